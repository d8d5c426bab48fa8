import { germanAmounts, table } from './format';

describe('output for people', () => {
  it('aligns the columns of a table under their headers', () => {
    expect(
      table(
        ['group', 'lag'],
        [
          ['funding-ledger', 0],
          ['registry', 12],
        ],
      ),
    ).toBe(['group           lag', 'funding-ledger  0', 'registry        12'].join('\n'));
  });

  it('writes the console amounts the German way', () => {
    expect(germanAmounts('allocated 155,833.33 EUR (budget left 9,844,166.67 EUR), returned -0.05 EUR')).toBe(
      'allocated 155.833,33 € (budget left 9.844.166,67 €), returned -0,05 €',
    );
  });
});
