import type { Simulator } from '../../src/simulator/server.js';

/** Every field of a risk event. */
export const RISK_FIELDS = 'id type score status detectionTime closeReason reasonText account service';

/** The upstream calls to the risk API the simulator received. */
export function riskCalls(sim: Simulator, method?: string) {
  return sim.requests.filter((r) => /\/api\/pta\/api\/risks\//i.test(r.path) && (!method || r.method === method));
}

type Risk = Record<string, unknown>;

/** The PVWA's order of a list: newest detectionTime first (or highest score), ties by id; what the simulator answers. */
export function pvwaOrder(risks: readonly Risk[], sort: 'detectionTime' | 'score' = 'detectionTime'): string[] {
  return [...risks]
    .sort((a, b) => Number(b[sort]) - Number(a[sort]) || String(a.id).localeCompare(String(b.id)))
    .map((risk) => String(risk.id));
}
