/**
 * The real-pod traffic generator: a POSIX shell loop (reference §5.3) that prints exactly the lines
 * of log-format.ts, so logs from a kind replay parse with the same parser as simulated ones.
 * curl outcome mapping: 200/201/204/301/302 ⇒ ALLOWED, 403 ⇒ BLOCKED at once, anything else retried
 * up to 3 times (1 s apart) then BLOCKED (timeout).
 */
import { CYCLE_END, CYCLE_START, probeId } from './log-format.ts';

/** One target of a generator pod. */
export interface CurlTarget {
  from: string;
  to: string;
  /** Service port probed (part of the probe id); absent = a port-less id. */
  port?: number | null;
  /** e.g. `http://api.webapp.svc.cluster.local:3000/` */
  url: string;
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The script text for one generator pod. `sleepSeconds` = pause between cycles. */
export function curlLoopScript(targets: readonly CurlTarget[], sleepSeconds = 5): string {
  const probes = targets
    .map(
      (t) => `  probe ${shellQuote(probeId(t.from, t.to, t.port))} ${shellQuote(t.url)}`,
    )
    .join('\n');
  return `#!/bin/sh
probe() {
  id="$1"; url="$2"; n=0
  while [ $n -lt 3 ]; do
    code=$(curl -sk -o /dev/null -w '%{http_code}' --connect-timeout 1 --max-time 2 "$url")
    case "$code" in
      200|201|204|301|302) echo "$id:ALLOWED"; return ;;
      403) echo "$id:BLOCKED"; return ;;
    esac
    n=$((n+1)); sleep 1
  done
  echo "$id:BLOCKED (timeout)"
}
while true; do
  echo ${CYCLE_START}
${probes}
  echo ${CYCLE_END}
  sleep ${sleepSeconds}
done
`;
}
