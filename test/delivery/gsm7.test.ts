import { GSM7_BASIC_CHARS, GSM7_EXTENSION_CHARS, isGsm7, septetLength, toGsm7, truncateToSeptets } from '../../src/delivery/gsm7';

/** A small seeded generator: the same "random" names on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const PEOPLE = ['Zoë', 'Ïlse', 'Łukasz', 'Çelik', 'Nguyễn', 'O’Brien', 'Sam 🎉', 'Chloë “Cleo” Dubois–Martin', 'José', 'Ağrı', 'محمد', '김민준', 'Noël\u00a0Ørsted…', '👨‍👩‍👧 Familie', '🇳🇱 Team 👍🏽'];

describe('GSM-7 character sets', () => {
  it('when the tables are counted, then the basic set has 127 characters (escape left out) and the extension 10', () => {
    expect(new Set(GSM7_BASIC_CHARS).size).toBe(127);
    expect([...GSM7_BASIC_CHARS]).toHaveLength(127);
    expect([...GSM7_EXTENSION_CHARS]).toHaveLength(10);
    expect(GSM7_BASIC_CHARS).not.toContain('\u001b');
  });

  it('when accented letters are checked, then only those of GSM 03.38 are GSM-7', () => {
    for (const c of 'éèùìòÇØøÅåÄÖÑÜäöñüàÉÆæßΔΩ¡¿§¤£¥@_') expect({ c, gsm: isGsm7(c) }).toEqual({ c, gsm: true });
    for (const c of 'ëïêáíóúłŁçÈÁÍÓÚâôûÿœ’‘“”–—…\u00a0\t`🎉') expect({ c, gsm: isGsm7(c) }).toEqual({ c, gsm: false });
  });

  it('when the extension characters are checked, then they are GSM-7', () => {
    expect(isGsm7('{ } [ ] ~ \\ | ^ €')).toBe(true);
  });
});

describe('septetLength', () => {
  it('when a text has only basic characters, then each costs one septet', () => {
    expect(septetLength('')).toBe(0);
    expect(septetLength('Hoi Zoé!\n')).toBe(9);
    expect(septetLength('a'.repeat(160))).toBe(160);
    expect(septetLength(GSM7_BASIC_CHARS)).toBe(127);
  });

  it('when a text has extension characters, then each costs two septets', () => {
    expect(septetLength('€')).toBe(2);
    expect(septetLength('{}')).toBe(4);
    expect(septetLength('a€b')).toBe(4);
    expect(septetLength(GSM7_EXTENSION_CHARS)).toBe(20);
    expect(septetLength('[x]'.repeat(40))).toBe(200);
  });

  it('when a text is not GSM-7, then it throws and names the character', () => {
    expect(() => septetLength('Zoë')).toThrow(/U\+00EB at index 2/);
    expect(() => septetLength('ok 🎉')).toThrow(/U\+1F389/);
  });
});

describe('toGsm7', () => {
  it.each([
    ['Zoë', 'Zoe'],
    ['Ïlse', 'Ilse'],
    ['Łukasz', 'Lukasz'],
    ['Çelik', 'Çelik'],
    ['çelik', 'celik'],
    ['Nguyễn', 'Nguyen'],
    ['O’Brien', "O'Brien"],
    ['‘t Hoekje', "'t Hoekje"],
    ['“De Brug”', '"De Brug"'],
    ['Dubois–Martin — Noord', 'Dubois-Martin - Noord'],
    ['Wacht…', 'Wacht...'],
    ['Jan\u00a0Smit', 'Jan Smit'],
    ['Ağrı', 'Agri'],
    ['Œuvre', 'OEuvre'],
    ['Sam 🎉', 'Sam '],
    ['👨‍👩‍👧 Familie', ' Familie'],
    ['🇳🇱 Team 👍🏽', ' Team '],
    ['Zo\u0065\u0308', 'Zoe'],
    ['Ann\u00adeke\u200b', 'Anneke'],
    ['محمد', '????'],
    ['김민준', '???'],
  ])('when %j is mapped, then it becomes %j', (input, expected) => {
    expect(toGsm7(input)).toBe(expected);
  });

  it('when a text is GSM-7 already, then it is returned unchanged, extension characters included', () => {
    const kept = 'éèùìòÇØøÅåÄÖÑÜäöñüàÉÆæß {x} [y] ~ \\ | ^ € Δ_ @£$¥ ¡¿ §¤\n';
    expect(toGsm7(kept)).toBe(kept);
    expect(toGsm7(GSM7_BASIC_CHARS + GSM7_EXTENSION_CHARS)).toBe(GSM7_BASIC_CHARS + GSM7_EXTENSION_CHARS);
  });

  it('when a replacement is given, then unmappable letters use it; a non-GSM-7 replacement throws', () => {
    expect(toGsm7('Ali محمد', { replacement: '' })).toBe('Ali ');
    expect(toGsm7('Ali محمد', { replacement: '*' })).toBe('Ali ****');
    expect(() => toGsm7('x', { replacement: '…' })).toThrow(/replacement/);
  });

  it('when names from people are mapped twice, then the second time changes nothing and the result is GSM-7', () => {
    for (const name of PEOPLE) {
      const once = toGsm7(name);
      expect({ name, gsm: isGsm7(once) }).toEqual({ name, gsm: true });
      expect(toGsm7(once)).toBe(once);
    }
  });

  it('when random text from many scripts is mapped, then it is always GSM-7 and idempotent', () => {
    const random = seeded(42);
    const ranges = [[0x20, 0x7e], [0xa0, 0x24f], [0x370, 0x3ff], [0x400, 0x4ff], [0x600, 0x6ff], [0x1e00, 0x1eff], [0x2000, 0x206f], [0x20a0, 0x20bf], [0x1f300, 0x1f6ff], [0xac00, 0xac40]] as const;
    for (let i = 0; i < 500; i++) {
      let text = '';
      for (let j = 0; j < 12; j++) {
        const [lo, hi] = ranges[Math.floor(random() * ranges.length)]!;
        text += String.fromCodePoint(lo + Math.floor(random() * (hi - lo + 1)));
      }
      const once = toGsm7(text);
      expect({ text, gsm: isGsm7(once) }).toEqual({ text, gsm: true });
      expect(toGsm7(once)).toBe(once);
    }
  });
});

describe('truncateToSeptets', () => {
  it('when the text fits, then it is returned unchanged', () => {
    expect(truncateToSeptets('Jongerenwerk De Brug', 20)).toBe('Jongerenwerk De Brug');
    expect(truncateToSeptets('{De Brug}', 11)).toBe('{De Brug}');
  });

  it('when the text is too long, then it is cut with "..." inside the limit and without a dangling space', () => {
    expect(truncateToSeptets('Jongerenwerk De Brug', 10)).toBe('Jongere...');
    expect(truncateToSeptets('Jongerenwerk De Brug', 16)).toBe('Jongerenwerk...');
    expect(truncateToSeptets('De Brug, Noord', 12)).toBe('De Brug...');
  });

  it('when atWord is set, then a broken last word goes, unless that would waste more than half the room', () => {
    expect(truncateToSeptets('Stichting Jongerenwerk Stichting', 30, { atWord: true })).toBe('Stichting Jongerenwerk...');
    expect(truncateToSeptets('Stichting Jongerenwerk Stichting', 25, { atWord: true })).toBe('Stichting Jongerenwerk...');
    expect(truncateToSeptets('Stichting Jongerenwerk Stichting', 16, { atWord: true })).toBe('Stichting...');
    expect(truncateToSeptets('De Jongerenwerkorganisatie', 16, { atWord: true })).toBe('De Jongerenwe...');
    expect(truncateToSeptets('Stichting Jongerenwerk Stichting', 30)).toBe('Stichting Jongerenwerk Stic...');
  });

  it('when the text has extension characters, then an escape pair is never split', () => {
    expect(truncateToSeptets('€€€€€', 7)).toBe('€€...');
    expect(truncateToSeptets('€€€€€', 8)).toBe('€€...');
    expect(septetLength(truncateToSeptets('a€€€€', 6))).toBeLessThanOrEqual(6);
  });

  it('when the limit is smaller than the ellipsis or the ellipsis is empty, then it just cuts', () => {
    expect(truncateToSeptets('abcdef', 2)).toBe('ab');
    expect(truncateToSeptets('abcdef', 4, { ellipsis: '' })).toBe('abcd');
    expect(truncateToSeptets('abcdef', 0)).toBe('');
  });

  it('when many lengths are tried, then the result never exceeds the limit', () => {
    const text = 'Stichting {Buurt} & Jeugd € [Noord] ~ ' + 'x'.repeat(20);
    for (let max = 0; max <= septetLength(text); max++) {
      for (const atWord of [false, true]) expect({ max, atWord, fits: septetLength(truncateToSeptets(text, max, { atWord })) <= max }).toEqual({ max, atWord, fits: true });
    }
  });
});
