/* The in-process floor of a mount cycle: what the kernel itself charges for
 * LOOP_CTL_GET_FREE, LOOP_CONFIGURE, mount(2), umount(2) and LOOP_CLR_FD on a
 * formatted image, in one process with no fork. bench/docker_cycle.py runs it
 * beside the daemon's Docker Mount+Unmount of a volume of the same size and
 * file system, and reports the ratio.
 *
 *   mount_floor IMAGE MOUNTPOINT FSTYPE CYCLES
 *
 * Prints one line per cycle: the cycle's wall time in microseconds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what) {
  fprintf(stderr, "mount_floor: %s: %s\n", what, strerror(errno));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s IMAGE MOUNTPOINT FSTYPE CYCLES\n", argv[0]);
    return 2;
  }
  const char *image = argv[1], *target = argv[2], *fstype = argv[3];
  const int cycles = atoi(argv[4]);
  for (int i = 0; i < cycles; ++i) {
    const long long t0 = now_us();
    int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (control < 0) die("open /dev/loop-control");
    const int index = ioctl(control, LOOP_CTL_GET_FREE);
    if (index < 0) die("LOOP_CTL_GET_FREE");
    char device[32];
    snprintf(device, sizeof device, "/dev/loop%d", index);
    int loop = open(device, O_RDWR | O_CLOEXEC);
    if (loop < 0) die(device);
    int backing = open(image, O_RDWR | O_CLOEXEC);
    if (backing < 0) die(image);
    struct loop_config config;
    memset(&config, 0, sizeof config);
    config.fd = (unsigned)backing;
    if (ioctl(loop, LOOP_CONFIGURE, &config) != 0) die("LOOP_CONFIGURE");
    close(backing);
    if (mount(device, target, fstype, 0, NULL) != 0) die("mount");
    if (umount2(target, 0) != 0) die("umount2");
    if (ioctl(loop, LOOP_CLR_FD, 0) != 0) die("LOOP_CLR_FD");
    close(loop);
    close(control);
    printf("%lld\n", now_us() - t0);
  }
  return 0;
}
