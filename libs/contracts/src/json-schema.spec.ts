import { getMetadataStorage } from 'class-validator';
import { allContracts } from './catalogue';
import { payloadSchemas } from './json-schema';
import { validatePayload } from './validation';

/** Fields whose values must be calendar days (decorated with IsCalendarDate), per contract. */
function calendarDateFields() {
  const storage = getMetadataStorage();
  return allContracts().flatMap((contract) =>
    storage
      .getTargetValidationMetadatas(contract.payload, '', true, false)
      .filter((m) => m.name === 'isRealCalendarDay')
      .map((m) => ({ contract, field: m.propertyName })),
  );
}

describe('published payload schemas', () => {
  const schemas = payloadSchemas();
  const fields = calendarDateFields();

  it('finds the calendar-date fields of the registry events', () => {
    const names = fields.map(({ contract, field }) => `${contract.type} ${field}`);
    expect(names).toEqual(expect.arrayContaining(['ki.registry.centre-opened.v1 openedOn', 'ki.registry.centre-closed.v1 closedOn']));
  });

  it.each(fields.map(({ contract, field }) => [contract.type, field, contract] as const))(
    '%s describes %s with the same calendar-date shape the validation accepts',
    (_type, field, contract) => {
      const pattern = new RegExp(String(schemas[contract.payload.name].properties?.[field]?.pattern));
      expect(['2016-02-12', '2016-12-31'].filter((day) => pattern.test(day))).toEqual(['2016-02-12', '2016-12-31']);
      expect(['2016-02-12T10:00:00Z', '12.02.2016', '2016-2-12'].filter((value) => pattern.test(value))).toEqual([]);
    },
  );

  it('describes the example opening so that a schema-validating consumer accepts it', async () => {
    const { centreOpenedExample, EventTypes } = await import('./index');
    const schema = schemas[EventTypes.CentreOpenedV1.payload.name];
    const mismatched = Object.entries(schema.properties ?? {})
      .filter(([name, property]) => typeof property.pattern === 'string' && name in centreOpenedExample)
      .filter(
        ([name, property]) =>
          !new RegExp(property.pattern as string).test(String(centreOpenedExample[name as keyof typeof centreOpenedExample])),
      )
      .map(([name]) => name);
    expect(mismatched).toEqual([]);
    expect(validatePayload(EventTypes.CentreOpenedV1, { ...centreOpenedExample })).toMatchObject({ openedOn: '2016-02-12' });
  });
});
