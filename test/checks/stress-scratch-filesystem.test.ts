import { describe, expect, it } from 'vitest';
import check from '../../checks/stress-scratch-filesystem.js';
import { runCheck } from '../../src/core/runner.js';
import { factsWithStress, makeStress } from '../stress/fixtures.js';

const run = (stress: ReturnType<typeof makeStress>) => runCheck(check, factsWithStress(stress), { app: {} })!;
const scratch = makeStress().scratch!;

describe('stress-scratch-filesystem', () => {
  it('passes next to the target, and on --live', () => {
    expect(run(makeStress()).messageId).toBe('same-filesystem');
    const f = run(makeStress({ target: 'live', scratch: null, liveTable: 'lockscope_stress_1_00000000' }));
    expect(f.status).toBe('pass');
    expect(f.messageId).toBe('live');
  });

  it('warns when the scratch directory is on another kind of filesystem', () => {
    const f = run(makeStress({ scratch: { ...scratch, directory: '/dev/shm', filesystem: 'tmpfs', sameDevice: false, sameFilesystemType: false } }));
    expect(f.status).toBe('warn');
    expect(f.messageId).toBe('other-filesystem');
    expect(f.message).toMatch(/tmpfs.*ext4/);
  });

  it('is info when it is the same kind of filesystem on another device', () => {
    const f = run(makeStress({ scratch: { ...scratch, directory: '/mnt/other', sameDevice: false, sameFilesystemType: true } }));
    expect(f.status).toBe('info');
    expect(f.messageId).toBe('other-device');
  });
});
