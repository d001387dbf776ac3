import { WharfError, internal, errorMessage } from '../common/errors.js';
import { hostResources } from '../runtime/host-resources.js';
import type { ContainerContext } from './container-context.js';
import type { DockerJson } from './container-service.js';
import { planUpdate } from './update-plan.js';
import { verifyUpdate } from './update-validation.js';

/**
 * Docker's `update` (POST /containers/{id}/update): new resource limits and restart policy.
 * A running or paused container gets the limits at once through the runtime (`runc update`);
 * any container keeps them in its HostConfig, so inspect shows them and every later start
 * (restart, restart policy, daemon restart) applies them. Nothing is saved when the runtime
 * refuses (runc may have applied part of it, as under dockerd).
 *
 * Errors as dockerd's: a bad body is a 400 before the container is looked up; conflicts with
 * settings in force are a 409 and a refusal by the runtime (such as a memory limit below
 * current usage) a 500, both as "Cannot update container <id>: <reason>".
 */
export async function updateContainer(ctx: ContainerContext, ref: string, body: DockerJson): Promise<{ Warnings: string[] }> {
  const host = hostResources();
  const verified = verifyUpdate(body, host);
  const rec = ctx.store.get(ref);
  const cannot = (reason: string) => `Cannot update container ${rec.id}: ${reason}`;
  await ctx.locks.run(rec.id, async () => {
    if (!ctx.store.find(rec.id) || rec.state.status === 'removing' || rec.state.status === 'dead') {
      throw internal(cannot('container is marked for removal and cannot be "update"'));
    }
    let plan;
    try {
      plan = planUpdate(rec.hostConfig, verified, host);
    } catch (err) {
      throw err instanceof WharfError ? new WharfError(err.kind, cannot(err.message)) : err;
    }
    // A restarting container is between runs: its next start builds the cgroup from HostConfig.
    if (rec.state.status === 'running' || rec.state.status === 'paused') {
      try {
        if (plan.live.cpuRealtimePeriod || plan.live.cpuRealtimeRuntime) await ctx.grantRealtimeBudget({ ...rec, hostConfig: plan.hostConfig });
        await ctx.deps.runtime.update(rec.id, plan.live);
      } catch (err) {
        // It stopped under us: like a stopped container, the limits apply at its next start.
        const gone = err instanceof WharfError && (err.kind === 'conflict' || err.kind === 'not-found');
        if (!gone) throw internal(cannot(errorMessage(err)), err);
      }
    }
    rec.hostConfig = plan.hostConfig;
    await ctx.save(rec, true);
  });
  ctx.emitEvent(rec, 'update');
  return { Warnings: verified.warnings };
}
