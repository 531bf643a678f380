import { defineCheck } from '../src/core/check.js';
import { escapeControl } from '../src/core/escape.js';

export default defineCheck({
  id: 'stress-scratch-filesystem',
  title: "The stress ran on the target's filesystem",
  failureTitle: "The stress ran on another filesystem than the target's",
  description: 'Whether the scratch database of a stress run was on the same filesystem (device) as the target database.',
  source: 'sqlite',
  category: 'stress',
  requires: ['stress'],
  messages: {
    live: ['pass'],
    'same-filesystem': ['pass'],
    'other-device': ['info'],
    'other-filesystem': ['warn'],
  },
  thresholds: {},
  defaultSeverity: 'warn',
  run({ stress: s }) {
    if (s.target === 'live' || !s.scratch) {
      return { status: 'pass', messageId: 'live', message: 'The stress ran on the target database itself (--live).', evidence: { target: s.target } };
    }
    const sc = s.scratch;
    const evidence = {
      target: s.target,
      scratchDirectory: escapeControl(sc.directory),
      scratchFilesystem: sc.filesystem,
      targetFilesystem: sc.targetFilesystem,
      sameDevice: sc.sameDevice,
      sameFilesystemType: sc.sameFilesystemType,
    };
    if (sc.sameDevice) {
      return { status: 'pass', messageId: 'same-filesystem', message: `The scratch database was on the target's filesystem (${sc.filesystem}), so fsync cost and locking behave as they do for the app.`, evidence };
    }
    const fixes = [
      {
        summary: "Run the stress next to the database (the default) or with --scratch-dir on the target's filesystem",
        shell: 'lockscope stress <db>',
      },
    ];
    if (sc.sameFilesystemType) {
      return {
        status: 'info',
        messageId: 'other-device',
        title: 'The stress ran on the target\'s kind of filesystem, but on another device',
        message: `The scratch database was in ${escapeControl(sc.directory)}, a ${sc.filesystem} filesystem like the target's but on another device: fsync cost may differ from what the app sees.`,
        evidence,
        fixes,
      };
    }
    return {
      status: 'warn',
      messageId: 'other-filesystem',
      message: `The scratch database was in ${escapeControl(sc.directory)} on ${sc.filesystem}, but the target is on ${sc.targetFilesystem}: commit latency, fsync cost and locking measured here are not the app's.`,
      evidence,
      fixes,
    };
  },
});
