/*
 * idcycle: the ids a fresh IPC namespace hands out over a long run of creations and removals, for
 * the differential test of @mmsim/sysv-shm's id allocation (cyclic index, sequence bumped at each
 * wrap). Prints one "<call> <args> = <result>" line per call. Run in `unshare --ipc`.
 */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(void) {
  int keep[8];
  for (int i = 0; i < 8; i++) {
    keep[i] = shmget(IPC_PRIVATE, 100, 0600);
    printf("shmget = %d\n", keep[i]);
  }
  for (int i = 0; i < 8; i += 3) printf("rmid %d = %d\n", keep[i], shmctl(keep[i], IPC_RMID, 0));
  for (int i = 0; i < 300; i++) {
    int id = shmget(IPC_PRIVATE, 100, 0600);
    printf("shmget = %d\n", id);
    if (i % 7 != 3) printf("rmid %d = %d\n", id, shmctl(id, IPC_RMID, 0));
  }
  return 0;
}
