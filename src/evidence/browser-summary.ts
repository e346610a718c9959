import { fill, type PdfLabels } from './pdf-layout';

/**
 * A short, non-identifying summary of the signer's browser for the audit trail ("Chrome 126 on
 * Android"): enough to show how consent was given, without storing the full user-agent string.
 */
const BROWSERS: [RegExp, string][] = [
  [/Edg\/(\d+)/, 'Edge'],
  [/SamsungBrowser\/(\d+)/, 'Samsung Internet'],
  [/Firefox\/(\d+)/, 'Firefox'],
  [/(?:Chrome|CriOS|HeadlessChrome)\/(\d+)/, 'Chrome'],
  [/Version\/(\d+).*Safari/, 'Safari'],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X/, 'macOS'],
  [/Linux/, 'Linux'],
];

/** Product names only (they read the same in every language); null where it was not recognised. */
export interface BrowserFacts {
  browser: string | null;
  system: string | null;
}

/** null when there was no user agent at all. */
export function describeBrowser(userAgent: string | undefined): BrowserFacts | null {
  if (!userAgent) return null;
  let browser: string | null = null;
  for (const [re, name] of BROWSERS) {
    const m = re.exec(userAgent);
    if (m) {
      browser = `${name} ${m[1]}`;
      break;
    }
  }
  return { browser, system: SYSTEMS.find(([re]) => re.test(userAgent))?.[1] ?? null };
}

/** The summary stored in events: data, so in one fixed (English) form whatever the record's language. */
export function browserSummary(userAgent: string | undefined): string {
  const facts = describeBrowser(userAgent);
  if (!facts) return 'unknown browser';
  return `${facts.browser ?? 'other browser'} on ${facts.system ?? 'other system'}`;
}

/** The same summary as a document prints it, in its language: "Chrome 150 op Linux". */
export function browserText(facts: BrowserFacts | null, labels: PdfLabels): string {
  if (!facts) return labels.browser.unknown;
  return fill(labels.browser.pattern, { browser: facts.browser ?? labels.browser.otherBrowser, system: facts.system ?? labels.browser.otherSystem });
}
