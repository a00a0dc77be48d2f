# Sourced by the bench scripts (needs TMP, and SERVER for the server's pid).
# CPU accounting from /proc: cpu_mark NAME records machine busy/idle time, the
# server's CPU time and that of every process named postgres (all backends of
# the cluster, whoever they serve), and PostgreSQL's WAL position (needs
# ADMIN_URL). cpu_report A B N prints, for the interval between marks A and B
# and N requests: "busy% server_ms pg_ms rest_ms wal_kib" (CPU milliseconds
# per request, rest = wrk, pgbench and anything else; KiB of WAL written per
# request by the whole cluster, background work included: unlike CPU time,
# a count that machine noise does not move).
cpu_mark() {
  local lsn
  lsn=$(psql "$ADMIN_URL" -Atqc "SELECT pg_current_wal_lsn() - '0/0'")
  python3 - "${SERVER:-0}" "$lsn" >"$TMP/cpu-$1" <<'PY'
import os, sys
v = list(map(int, open("/proc/stat").readline().split()[1:]))
busy, idle = v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0), v[3] + v[4]
def cpu(pid, children=False):
    try:
        s = open(f"/proc/{pid}/stat").read()
        f = s[s.rindex(")") + 2:].split()
        # utime + stime, plus cutime + cstime: the postmaster collects the
        # time of backends that have exited (pgbench's, when its run ends)
        return int(f[11]) + int(f[12]) + (int(f[13]) + int(f[14]) if children else 0)
    except (OSError, ValueError):
        return 0
pg = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        if open(f"/proc/{pid}/comm").read().strip() == "postgres":
            pg += cpu(pid, children=True)
    except OSError:
        pass
print(busy, idle, cpu(sys.argv[1]) if sys.argv[1] != "0" else 0, pg, int(float(sys.argv[2])))
PY
}
cpu_report() {
  python3 - "$TMP/cpu-$1" "$TMP/cpu-$2" "$3" <<'PY'
import os, sys
a, b = (list(map(int, open(f).read().split())) for f in sys.argv[1:3])
n, hz = max(int(sys.argv[3]), 1), os.sysconf("SC_CLK_TCK")
d = [y - x for x, y in zip(a, b)]
ms = lambda j: round(j * 1000 / hz / n, 2)
print(f"{100 * d[0] / max(d[0] + d[1], 1):.0f}% {ms(d[2])} {ms(d[3])} {ms(max(d[0] - d[2] - d[3], 0))} {d[4] / 1024 / n:.2f}")
PY
}
