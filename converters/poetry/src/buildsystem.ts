// Build backends for sdists: placeholder until the build-system step lands.
import type { ConvertContext, NixData, PinnedArtifact, Resolved } from '@lock2nix/core';

export async function buildSystemFinish(pinned: PinnedArtifact[], resolved: Resolved, _ctx: ConvertContext): Promise<{ artifacts: PinnedArtifact[]; meta?: NixData }> {
  return { artifacts: pinned, ...(resolved.meta !== undefined ? { meta: resolved.meta } : {}) };
}
