/**
 * A synthetic form file that passes every rule of `forms check`: two purposes (`eerste` required,
 * `tweede` free), one section, both declarations. Tests break one rule at a time: `second` is
 * YAML added to the second purpose (its lines follow `- id: tweede`), `extra` top-level keys at the end.
 */
export function minimalFormYaml(id: string, second = '', extra = ''): string {
  return `id: ${id}
audience: any
languages: [nl, en]
title:
  nl: Titel
  en: Title
intro:
  nl: Inleiding
  en: Introduction
sections:
  - heading:
      nl: Kop
      en: Heading
    body:
      nl: Tekst
      en: Text
purposes:
  - id: eerste
    required: true
    label:
      nl: Eerste
      en: First
    description:
      nl: Omschrijving een
      en: Description one
  - id: tweede
    label:
      nl: Tweede
      en: Second
    description:
      nl: Omschrijving twee
      en: Description two
${second}declarations:
  guardian:
    nl: Ik ben de ouder van {childFirstName}.
    en: I am the parent of {childFirstName}.
  participant:
    nl: Ik ben 16 jaar of ouder.
    en: I am 16 or older.
${extra}`;
}
