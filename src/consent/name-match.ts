/**
 * Whether the name a signer typed is the name the request was sent to (issue 10): the same
 * letters, whatever the case, accents or spacing ("josé  de Vries" = "Jose de vries"). Only
 * recorded, never refused: a parent may sign with another spelling, or another parent may sign.
 */
export function namesMatch(typed: string, sentTo: string): boolean {
  return comparable(typed) === comparable(sentTo);
}

function comparable(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLocaleLowerCase('nl-NL')
    .replace(/\s+/gu, ' ')
    .trim();
}
