// Runs the probe service as its own process, for tests that kill it.
import 'reflect-metadata';
import { runServiceProcess } from '@ki/platform';
import { probeService } from './probe.service';

runServiceProcess(probeService(process.env.PROBE_GROUP));
