/*
 * fake-holdfast.c: a stand-in for the holdfast binary, for tests/meta/check-init-script.sh.
 *
 * start-stop-daemon matches a process by /proc/PID/exe, so the stand-in must be a real
 * executable at the path the init script runs, not a shell script. Its behaviour is steered
 * by files in STATE_DIR (a compile-time -D), and it records what the init script did:
 *   t-exit         with -t: print a report and exit with the number in this file
 *   exit-at-start  exit 1 at once, as a daemon that cannot start would
 *   ignore-term    ignore SIGTERM, so the script must escalate to SIGKILL
 *   args           written at start: the arguments, one per line
 *   events         appended: "hup" per SIGHUP, "term" on SIGTERM
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef STATE_DIR
#error "compile with -DSTATE_DIR=\"...\""
#endif

static volatile sig_atomic_t got_hup;
static volatile sig_atomic_t got_term;

static void on_hup(int sig) { (void)sig; got_hup = 1; }
static void on_term(int sig) { (void)sig; got_term = 1; }

static const char *state_path(const char *name)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/%s", STATE_DIR, name);
	return path;
}

static int state_exists(const char *name) { return access(state_path(name), F_OK) == 0; }

static void append(const char *name, const char *line)
{
	FILE *f = fopen(state_path(name), "a");
	if (f) {
		fprintf(f, "%s\n", line);
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-t") == 0) {
			int code = 0;
			FILE *f = fopen(state_path("t-exit"), "r");
			if (f) {
				if (fscanf(f, "%d", &code) != 1)
					code = 0;
				fclose(f);
			}
			printf("fake holdfast -t: exit %d\n", code);
			return code;
		}
	}
	FILE *f = fopen(state_path("args"), "w");
	if (f) {
		for (int i = 1; i < argc; i++)
			fprintf(f, "%s\n", argv[i]);
		fclose(f);
	}
	if (state_exists("exit-at-start"))
		return 1;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = state_exists("ignore-term") ? SIG_IGN : on_term;
	sigaction(SIGTERM, &sa, NULL);

	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (;;) {
		while (!got_hup && !got_term)
			sigsuspend(&old);
		if (got_hup) {
			got_hup = 0;
			append("events", "hup");
		}
		if (got_term) {
			append("events", "term");
			return 0;
		}
	}
}
