import { cleanText, stripToVisible } from '../../src/shared/text';

describe('cleanText (names and one-line free text)', () => {
  test.each([
    ['Zoë \'t Hart', 'Zoë \'t Hart'],
    ['  Ans   de Vries ', 'Ans de Vries'],
    ['Ans\u00a0de\u3000Vries', 'Ans de Vries'],
    ['Zoe\u0308', 'Zoë'],
    ['محمد العلي', 'محمد العلي'],
    ['王小明', '王小明'],
    ['Ans\u200b de\u00ad Vries\ufeff', 'Ans de Vries'],
    ['\u200fمحمد\u200e', 'محمد'],
    ['Ans\u3164', 'Ans'],
    ['\tAns de Vries\r\n', 'Ans de Vries'],
    ['Emoji 👍🏽 ok', 'Emoji 👍🏽 ok'],
  ])('when the text is %j, then it becomes %j', (raw, cleaned) => {
    expect(cleanText(raw)).toEqual({ ok: true, value: cleaned });
  });

  test.each([
    ['\u202EevoR', 'bidi'],
    ['Ans \u2066de\u2069 Vries', 'bidi'],
    ['Ans\u0000de Vries', 'control'],
    ['Ans\nde Vries', 'control'],
    ['Ans\u0085de Vries', 'control'],
    ['Ans\u007f', 'control'],
    ['Ans \uD800', 'surrogate'],
    ['\uDC00Ans', 'surrogate'],
    ['\u200b\u200b\u200b', 'empty'],
    ['\u3164\u115f\u1160\uffa0\u2800', 'empty'],
    ['   ', 'empty'],
    ['', 'empty'],
  ])('when the text is %j, then it is refused as %s', (raw, problem) => {
    expect(cleanText(raw)).toEqual({ ok: false, problem });
  });
});

describe('stripToVisible (file names and other kept text)', () => {
  test.each([
    ['scan\u202Egnp.exe', 'scangnp.exe'],
    ['scan\u001b[31m.png', 'scan [31m.png'],
    ['  brief\u200B  ouders.pdf\uD800', 'brief ouders.pdf'],
    ['Zoe\u0308.jpg', 'Zoë.jpg'],
  ])('when the text is %j, then %j is kept', (raw, kept) => {
    expect(stripToVisible(raw)).toBe(kept);
  });

  test('when nothing visible remains, then it is null', () => {
    expect(stripToVisible('\u200B\u202E\u0000 ')).toBeNull();
  });
});
