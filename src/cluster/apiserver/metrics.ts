/** Request counters and latency histograms in Prometheus' text format (/metrics). */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 5, 10, 30, 60];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly durations = new Map<string, Histogram>();
  private inflight = 0;
  watchers = 0;
  readonly started = Date.now();

  begin(): () => void {
    this.inflight++;
    return () => this.inflight--;
  }

  observe(verb: string, resource: string, code: number, seconds: number): void {
    const k = `verb="${verb}",resource="${resource}",code="${code}"`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
    const hk = `verb="${verb}",resource="${resource}"`;
    let h = this.durations.get(hk);
    if (!h) this.durations.set(hk, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) h!.counts[i]++;
    });
    h.sum += seconds;
    h.count++;
  }

  render(extra: Record<string, number> = {}): string {
    const lines: string[] = [];
    lines.push('# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, resource and HTTP response code.', '# TYPE apiserver_request_total counter');
    for (const [k, v] of this.requests) lines.push(`apiserver_request_total{${k}} ${v}`);
    lines.push('# HELP apiserver_request_duration_seconds Response latency distribution in seconds for each verb and resource.', '# TYPE apiserver_request_duration_seconds histogram');
    for (const [k, h] of this.durations) {
      BUCKETS.forEach((b, i) => lines.push(`apiserver_request_duration_seconds_bucket{${k},le="${b}"} ${h.counts[i]}`));
      lines.push(`apiserver_request_duration_seconds_bucket{${k},le="+Inf"} ${h.count}`);
      lines.push(`apiserver_request_duration_seconds_sum{${k}} ${h.sum}`, `apiserver_request_duration_seconds_count{${k}} ${h.count}`);
    }
    lines.push('# HELP apiserver_current_inflight_requests Number of requests being served.', '# TYPE apiserver_current_inflight_requests gauge', `apiserver_current_inflight_requests ${this.inflight}`);
    lines.push('# HELP apiserver_longrunning_requests Number of open watches.', '# TYPE apiserver_longrunning_requests gauge', `apiserver_longrunning_requests{verb="WATCH"} ${this.watchers}`);
    const mem = process.memoryUsage();
    lines.push('# HELP process_resident_memory_bytes Resident memory size in bytes.', '# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${mem.rss}`);
    lines.push('# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.', '# TYPE process_start_time_seconds gauge', `process_start_time_seconds ${this.started / 1000}`);
    for (const [k, v] of Object.entries(extra)) lines.push(`# TYPE ${k} gauge`, `${k} ${v}`);
    return lines.join('\n') + '\n';
  }
}
