#!/usr/bin/python3
"""Constructed /proc and /sys trees for forkwatch check and bench --tune
(FORKWATCH_SYSROOT), as the unit tests (tests/unit/test_noise.c) make them.

  noise-tree.py quiet DIR    a quiet bare-metal machine of 4 CPUs (2-3 isolated)
  noise-tree.py noisy DIR    a noisy VM of 4 CPUs: DAMON (pageout), khugepaged,
                             KSM, NUMA balancing, THP always, schedutil, turbo,
                             SMT siblings, load, steal, the hypervisor flag
"""
import os
import sys

THP = "/sys/kernel/mm/transparent_hugepage"
KD = "/sys/kernel/mm/damon/admin/kdamonds"
CPU = "/sys/devices/system/cpu"


def stat(steal):
    lines = ["cpu  400 0 200 10000 0 0 0 %d 0 0" % (4 * steal)]
    lines += ["cpu%d 100 0 50 2500 0 0 0 %d 0 0" % (c, steal) for c in range(4)]
    return "\n".join(lines) + "\nintr 1000 0\nctxt 5000\nprocs_running 1\n"


common = {
    "/proc/interrupts": "           CPU0       CPU1       CPU2       CPU3\n"
                        "LOC:        100        200        300        400   Local timer interrupts\n",
    "/proc/softirqs": "                    CPU0       CPU1       CPU2       CPU3\n"
                      "       TIMER:          1          2          3          4\n",
    CPU + "/online": "0-3\n",
}
quiet = dict(common, **{
    "/proc/stat": stat(0),
    "/proc/loadavg": "0.01 0.05 0.10 1/200 1234\n",
    "/proc/cpuinfo": "processor\t: 0\nflags\t\t: fpu vme de pse\n\n",
    "/proc/sys/kernel/numa_balancing": "0\n",
    CPU + "/isolated": "2-3\n",
    CPU + "/cpu2/topology/thread_siblings_list": "2\n",
    CPU + "/cpu3/topology/thread_siblings_list": "3\n",
    CPU + "/cpufreq/policy2/affected_cpus": "2\n",
    CPU + "/cpufreq/policy2/scaling_governor": "performance\n",
    CPU + "/cpufreq/policy3/affected_cpus": "3\n",
    CPU + "/cpufreq/policy3/scaling_governor": "performance\n",
    CPU + "/cpufreq/boost": "0\n",
    THP + "/enabled": "always [madvise] never\n",
    THP + "/defrag": "always defer defer+madvise [madvise] never\n",
    THP + "/khugepaged/pages_to_scan": "4096\n",
    THP + "/khugepaged/scan_sleep_millisecs": "86400000\n",
    THP + "/khugepaged/defrag": "1\n",
    "/sys/kernel/mm/ksm/run": "0\n",
    KD + "/nr_kdamonds": "1\n",
    KD + "/0/state": "off\n",
    KD + "/0/pid": "-1\n",
    KD + "/0/contexts/nr_contexts": "0\n",
})
noisy = dict(common, **{
    "/proc/stat": stat(150),
    "/proc/loadavg": "2.50 1.00 0.50 4/200 1234\n",
    "/proc/cpuinfo": "processor\t: 0\nflags\t\t: fpu vme hypervisor lahf_lm\n\n",
    "/proc/sys/kernel/numa_balancing": "1\n",
    "/sys/devices/system/node/online": "0-1\n",
    CPU + "/isolated": "\n",
    CPU + "/cpu0/topology/thread_siblings_list": "0,2\n",
    CPU + "/cpu1/topology/thread_siblings_list": "1,3\n",
    CPU + "/cpu2/topology/thread_siblings_list": "0,2\n",
    CPU + "/cpu3/topology/thread_siblings_list": "1,3\n",
    CPU + "/cpufreq/policy0/affected_cpus": "0 1 2 3\n",
    CPU + "/cpufreq/policy0/scaling_governor": "schedutil\n",
    CPU + "/cpufreq/policy0/scaling_available_governors": "performance powersave schedutil\n",
    CPU + "/intel_pstate/no_turbo": "0\n",
    THP + "/enabled": "[always] madvise never\n",
    THP + "/defrag": "[always] defer defer+madvise madvise never\n",
    THP + "/khugepaged/pages_to_scan": "4096\n",
    THP + "/khugepaged/scan_sleep_millisecs": "10000\n",
    THP + "/khugepaged/defrag": "1\n",
    "/sys/kernel/mm/ksm/run": "1\n",
    KD + "/nr_kdamonds": "1\n",
    KD + "/0/state": "on\n",
    KD + "/0/pid": "83\n",
    KD + "/0/contexts/nr_contexts": "1\n",
    KD + "/0/contexts/0/operations": "paddr\n",
    KD + "/0/contexts/0/schemes/nr_schemes": "1\n",
    KD + "/0/contexts/0/schemes/0/action": "pageout\n",
})

kind, root = sys.argv[1], sys.argv[2]
for rel, text in {"quiet": quiet, "noisy": noisy}[kind].items():
    path = root + rel
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
