// Integration and end-to-end tests wait for brokers, consumer groups and processes; their
// conditions are awaited with eventually(), so this is only the outer bound of one test.
jest.setTimeout(process.env.KI_TEST_TIMEOUT_MS ? Number(process.env.KI_TEST_TIMEOUT_MS) : 180_000);
