/**
 * Step containers on the engine, composed from the public ContainerService: create a
 * container for a step, run it with its output streamed, take its changes as a layer,
 * and always remove it again (even when the step fails or the build is aborted).
 */
import type { Engine } from '../../engine/engine.js';
import type { Image, ImageRuntimeConfig } from '../../images/types.js';
import { lastLayer, type NewLayer } from '../image-writer.js';

export interface StepContainerSpec {
  image: Image;
  config: ImageRuntimeConfig;
  cmd: string[];
  env: string[];
  network?: string;
}

export async function createStepContainer(engine: Engine, spec: StepContainerSpec): Promise<string> {
  const { Id } = await engine.containers.create(
    {
      Image: spec.image.id,
      Cmd: spec.cmd,
      // RUN ignores the image's entrypoint, as Docker's builder does.
      Entrypoint: [''],
      Env: spec.env,
      User: spec.config.User ?? '',
      WorkingDir: spec.config.WorkingDir ?? '',
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: { NetworkMode: spec.network || 'default' },
    },
    {},
  );
  return Id;
}

/** Removes a step container; never throws (cleanup path). */
export async function removeStepContainer(engine: Engine, id: string): Promise<void> {
  await engine.containers.remove(id, { force: true }).catch(() => {});
}

/**
 * Starts a created container, streams its output to `write` and resolves with its exit
 * code. An abort kills the container.
 */
export async function runStepContainer(engine: Engine, id: string, write: (chunk: string) => void, signal?: AbortSignal): Promise<number> {
  const waiting = engine.containers.wait(id, 'next-exit');
  await engine.containers.start(id);
  const onAbort = () => void engine.containers.kill(id, 'KILL').catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const logs = await engine.containers.logs(id, { follow: true, stdout: true, stderr: true });
    const pump = (async () => {
      for await (const e of logs.entries) write(e.data.toString('utf8'));
    })();
    const result = await waiting;
    await pump.catch(() => {});
    return result.StatusCode;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The container's changes as a stored layer (through a temporary commit the caller drops). */
export async function containerLayer(engine: Engine, id: string): Promise<{ layer: NewLayer; temp: Image }> {
  const { Id } = await engine.containers.commit(id, { pause: false });
  const temp = await engine.images.get(Id);
  return { layer: lastLayer(temp), temp };
}
