// The process's heap on transparent huge pages. An import or a sync touches hundreds of MiB of
// fresh heap; on a virtual machine each 4 KiB page fault is costly (bench-registry-import: a third
// of the import's CPU time), and with 2 MiB pages there are 512 times fewer. glibc does this when
// its tunable glibc.malloc.hugetlb=1 is set, and reads its tunables only when a program starts.
#pragma once

namespace mhero {

/// When the environment's GLIBC_TUNABLES does not mention glibc.malloc.hugetlb, appends
/// `glibc.malloc.hugetlb=1` to it and re-executes this program (/proc/self/exe) with `argv`:
/// the same process (pid, open files, signal dispositions), now with malloc advising the kernel to
/// back its heap with transparent huge pages (glibc >= 2.35, manual "Memory Allocation
/// Tunables"; the kernel's /sys/kernel/mm/transparent_hugepage/enabled must be `madvise` or
/// `always`, Debian's default is `madvise`). Returns when there is nothing to do, or when the
/// exec failed (the program then runs on as before). Call first in main(), before any thread.
/// To opt out: GLIBC_TUNABLES=glibc.malloc.hugetlb=0.
void run_on_huge_pages(char** argv);

}  // namespace mhero
