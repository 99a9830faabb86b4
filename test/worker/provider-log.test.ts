import { expect, test } from 'vitest';
import { nodePlacement } from '../../src/worker/provider-log.js';

test('node placement lines from onnxruntime verbose logs', () => {
  const lines = [
    '2026-11-24 14:15:43.675954 [V:onnxruntime:, session_state.cc:1377 VerifyEachNodeIsAssignedToAnEp] Node placements',
    '2026-11-24 14:15:43.676030 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 5',
    '2026-11-24 14:15:43.676031 [V:onnxruntime:, session_state.cc:1383 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 69',
  ];
  expect(nodePlacement(lines)).toEqual({ CPUExecutionProvider: 5, WebGpuExecutionProvider: 69 });
  expect(nodePlacement(['... All nodes placed on [CPUExecutionProvider]. Number of nodes: 64'])).toEqual({
    CPUExecutionProvider: 64,
  });
  expect(nodePlacement(['unrelated'])).toEqual({});
});
