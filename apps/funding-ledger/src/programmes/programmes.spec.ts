import { budgetTermOf, DEFAULT_PROGRAMMES_FILE, loadProgrammes, parseProgrammes, programmesInForce, termOn } from './programmes';

const shipped = loadProgrammes(DEFAULT_PROGRAMMES_FILE);

describe('the shipped programme configuration', () => {
  it('pays 170,000 EUR per centre and year from the MAIS budget of 10 million EUR, pro rata in the opening year', () => {
    const mais = shipped.find((p) => p.code === 'MAIS_KI_GRANT');
    const term = mais && termOn(mais, '2016-02-12');

    expect(term).toEqual(
      expect.objectContaining({
        share: { kind: 'PER_CENTRE', amount: 17_000_000n },
        openingYear: 'PRO_RATA_FULL_MONTHS',
        yearlyBudget: 1_000_000_000n,
      }),
    );
  });

  it('gives 2 teacher posts per centre valued at 50,000 EUR each', () => {
    const msw = shipped.find((p) => p.code === 'MSW_TEACHER_POSTS');

    expect(msw?.unit).toBe('POST_HUNDREDTH');
    expect(msw && termOn(msw, '2016-01-01')?.share).toEqual({ kind: 'PER_CENTRE', amount: 200n });
    expect((msw?.valuePerUnitCents ?? 0n) * 100n).toBe(5_000_000n);
  });

  it('runs KOMM-AN NRW only in 2016 and 2017', () => {
    const codes = (day: string) => programmesInForce(shipped, day).map((p) => p.programme.code);

    expect(codes('2015-06-01')).toEqual(['MAIS_KI_GRANT', 'MSW_TEACHER_POSTS']);
    expect(codes('2016-01-01')).toEqual(['MAIS_KI_GRANT', 'MSW_TEACHER_POSTS', 'KOMM_AN_I', 'KOMM_AN_II']);
    expect(codes('2018-01-01')).toEqual(['MAIS_KI_GRANT', 'MSW_TEACHER_POSTS']);
  });

  it('gives a centre opening in a KOMM-AN NRW year part I pro rata and leaves the part II pot to the centres open on 1 January', () => {
    const term = (code: string) => programmesInForce(shipped, '2016-06-29').find((p) => p.programme.code === code)?.term;

    expect(term('KOMM_AN_I')?.openingYear).toBe('PRO_RATA_FULL_MONTHS');
    expect(term('KOMM_AN_II')?.openingYear).toBe('NONE');
  });

  it('marks every figure that is not published as assumed, with why', () => {
    const assumed = Object.fromEntries(
      programmesInForce(shipped, '2016-01-01').map(({ programme, term }) => [programme.code, Object.keys(term.assumed).sort()]),
    );

    expect(assumed).toEqual({
      MAIS_KI_GRANT: ['openingYear', 'yearlyBudget'],
      MSW_TEACHER_POSTS: ['openingYear', 'yearlyBudget'],
      KOMM_AN_I: ['openingYear', 'share', 'yearlyBudget'],
      KOMM_AN_II: ['openingYear', 'share', 'yearlyBudget'],
    });
  });
});

describe('programme terms', () => {
  it('refuse an assumption about a field a term does not have, or without a reason', () => {
    const base = { validFrom: '2016-01-01', share: { kind: 'PER_CENTRE', amount: '1' }, openingYear: 'FULL', yearlyBudget: '1' };
    const parse = (assumed: object) =>
      parseProgrammes({
        programmes: [
          { code: 'TEST_GRANT', name: 'Test grant', unit: 'EUR_CENT', reportAs: 'GRANT', legalBasis: 'x', terms: [{ ...base, assumed }] },
        ],
      });

    expect(() => parse({ legalBasis: 'guessed' })).toThrow('assumed key must be one of share, openingYear, yearlyBudget, validUntil');
    expect(() => parse({ yearlyBudget: '' })).toThrow('assumed.yearlyBudget must say why it is assumed');
    expect(parse({ yearlyBudget: 'not published' })[0].terms[0].assumed).toEqual({ yearlyBudget: 'not published' });
  });

  const programme = (terms: object[]) => ({
    programmes: [{ code: 'TEST_GRANT', name: 'Test grant', unit: 'EUR_CENT', reportAs: 'GRANT', legalBasis: 'x', terms }],
  });
  const term = (validFrom: string, amount: string, extra: object = {}) => ({
    validFrom,
    share: { kind: 'PER_CENTRE', amount },
    openingYear: 'FULL',
    yearlyBudget: '100',
    ...extra,
  });

  it('uses the newest term in force on a day, so a changed amount applies from its valid-from date', () => {
    const [p] = parseProgrammes(programme([term('2013-01-01', '10'), term('2016-01-01', '20')]));

    expect(termOn(p, '2015-12-31')?.share).toEqual({ kind: 'PER_CENTRE', amount: 10n });
    expect(termOn(p, '2016-01-01')?.share).toEqual({ kind: 'PER_CENTRE', amount: 20n });
    expect(termOn(p, '2012-12-31')).toBeUndefined();
  });

  it('takes a year budget from the term starting within the year when none is in force on 1 January', () => {
    const [p] = parseProgrammes(programme([term('2016-07-01', '10')]));

    expect(budgetTermOf(p, 2016)?.validFrom).toBe('2016-07-01');
    expect(budgetTermOf(p, 2015)).toBeUndefined();
  });

  it('refuses floating-point amounts, unknown units and pots paid on openings, naming the field', () => {
    expect(() => parseProgrammes(programme([term('2013-01-01', '170000.00')]))).toThrow('programmes[0].terms[0].share.amount');
    expect(() => parseProgrammes({ programmes: [{ ...programme([term('2013-01-01', '1')]).programmes[0], unit: 'USD' }] })).toThrow(
      'programmes[0].unit',
    );
    expect(() =>
      parseProgrammes(programme([{ validFrom: '2016-01-01', share: { kind: 'POT_EQUAL_SPLIT' }, openingYear: 'FULL', yearlyBudget: '1' }])),
    ).toThrow('openingYear must be NONE');
  });
});
