import { toCsv } from './ledger-queries';

describe('CSV exports', () => {
  it('neutralises text cells that a spreadsheet would run as a formula', () => {
    const rows = ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd', 'Kreis Coesfeld'].map((text) => ({
      text,
    }));

    const lines = toCsv(rows, ['text']).split('\r\n');

    expect(lines.slice(1, -1)).toEqual([
      `"'=HYPERLINK(""http://evil.example"",""x"")"`,
      "'+1+1",
      "'-2+3",
      "'@SUM(A1)",
      "'\tcmd",
      `"'\rcmd"`,
      'Kreis Coesfeld',
    ]);
  });

  it('keeps amounts numbers, negative ones too', () => {
    const csv = toCsv([{ amount: '-15583333' }, { amount: '17000000' }, { amount: 12.5 }], ['amount']);

    expect(csv).toBe('amount\r\n-15583333\r\n17000000\r\n12.5\r\n');
  });
});
