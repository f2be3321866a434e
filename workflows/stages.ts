import { log, metricMeter, workflowInfo } from '@temporalio/workflow';
import type { FailureInfo, StageTiming } from '../contracts/results';

/**
 * Stage durations as a Temporal metric (exported by the worker's Prometheus endpoint as heygen_stage_duration);
 * the SDK does not emit metrics or logs while replaying, so a stage is counted once.
 */
let stageDuration: ReturnType<typeof metricMeter.createHistogram> | undefined;

/** Created on first use: the meter exists only inside a workflow context (not when this module is imported). */
function stageHistogram() {
  stageDuration ??= metricMeter.createHistogram(
    'heygen_stage_duration',
    'int',
    'ms',
    'Wall time of each workflow stage (workflow time), by workflow type, stage and outcome',
  );
  return stageDuration;
}

function ended(timing: StageTiming, outcome: 'ok' | 'failed'): void {
  if (!timing.endedAt) return;
  const ms = Date.parse(timing.endedAt) - Date.parse(timing.startedAt);
  const workflowType = workflowInfo().workflowType;
  stageHistogram().record(ms, { workflow_type: workflowType, stage: timing.stage, outcome });
  log.info(`stage ${timing.stage} ${outcome === 'ok' ? 'done' : 'failed'}`, {
    stage: timing.stage,
    durationMs: ms,
  });
}

function now(): string {
  return new Date(Date.now()).toISOString(); // workflow time: deterministic
}

/** Records the current stage and when each stage started and ended (served by the `progress` query). */
export class StageTracker<S extends string> {
  stage: S | 'failed';
  readonly stages: StageTiming[] = [];
  failure?: FailureInfo;

  /** `onEnter` runs on every stage change (the UI's search attributes and current details follow it). */
  constructor(
    first: S,
    private readonly onEnter: (stage: S, note?: string) => void = () => undefined,
  ) {
    this.stage = first;
    this.stages.push({ stage: first, startedAt: now() });
    onEnter(first);
  }

  /** `note` says what the stage means in this run when that is not obvious (e.g. a training stage without training). */
  enter(stage: S, note?: string): void {
    const current = this.stages[this.stages.length - 1];
    if (current && !current.endedAt) {
      current.endedAt = now();
      ended(current, 'ok');
    }
    this.stage = stage;
    this.stages.push({ stage, startedAt: now(), ...(note ? { note } : {}) });
    this.onEnter(stage, note);
  }

  finish(stage: S): void {
    this.enter(stage);
    const last = this.stages[this.stages.length - 1];
    if (last) last.endedAt = last.startedAt;
  }

  fail(failure: FailureInfo): void {
    const current = this.stages[this.stages.length - 1];
    if (current && !current.endedAt) {
      current.endedAt = now();
      ended(current, 'failed');
    }
    this.failure = failure;
    this.stage = 'failed';
  }

  get currentStage(): string {
    return this.stages[this.stages.length - 1]?.stage ?? String(this.stage);
  }
}
