/*
 * runner - run a command and say what it cost, for the bench/ scripts:
 *
 *   runner OUT CMD [ARG...]
 *
 * writes "WALL CPU RSS" to OUT: wall-clock seconds from fork to exit,
 * user + system CPU seconds of the command and everything it waited for
 * (threads included), and its peak resident set in KiB (wait4's rusage).
 * The command's stdout and stderr are its own.  Exit status: the
 * command's (128 + N when killed by signal N), 127 when it cannot start.
 * Measuring in-process keeps the fork of date(1) and time(1) out of the
 * figures, which matters for commands that take a few milliseconds.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	double t0, t1;
	int status;
	pid_t pid;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: runner OUT CMD [ARG...]\n");
		return 2;
	}
	t0 = now();
	if ((pid = fork()) < 0) {
		perror("runner: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("runner: wait4");
		return 127;
	}
	t1 = now();
	if (!(f = fopen(argv[1], "w")) ||
	    fprintf(f, "%.6f %.6f %ld\n", t1 - t0,
	            ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	            ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss) < 0 ||
	    fclose(f)) {
		perror(argv[1]);
		return 127;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
