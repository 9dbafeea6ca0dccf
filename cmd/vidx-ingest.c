/* vidx-ingest - hash, probe and index recordings for a camera. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "../libindex/vidx.h"
#include "cli.h"

static void usage(void)
{
	printf(
"usage: vidx-ingest [-0hV] [--json] [-d db] [-j jobs] (--camera id |\n"
"                   --camera-from-dir) [-s time] [-n pattern] [-z zone]\n"
"                   [--gap duration] [--host name] [--files-from file]\n"
"                   [path ...]\n"
"\n"
"Add recordings to the index: each file is hashed (SHA-256) while it is\n"
"read, probed, and stored with its keyframes and continuous segments in\n"
"one transaction.  Directories are walked (hidden entries skipped, symbolic\n"
"links to directories not followed).  Content already indexed is reported\n"
"as a duplicate and its new path remembered; re-running a batch is safe.\n"
"Sources are opened read-only and never changed.\n"
"\n"
"  -c, --camera ID         the camera that made the recordings\n"
"      --camera-from-dir   the camera id is each file's directory name\n"
"  -s, --start TIME        the recording started at TIME (one file only)\n"
"  -n, --name-time PAT     start time from the file name (see vidx-probe)\n"
"  -z, --tz ZONE           zone of local times (default: the camera's)\n"
"      --gap DUR           split segments at jumps longer than DUR\n"
"      --host NAME         the machine the paths are on, kept with each path\n"
"                          (default: this machine's name)\n"
"      --files-from FILE   read paths from FILE ('-' = standard input)\n"
"  -0, --null              paths in --files-from end with NUL, not newline\n"
"  -j, --jobs N            ingest N files at once (default 1)\n"
"      --json              one JSON object per file per line\n"
"  -d, --db PATH           index (default $VIDX_DB, else ./vidx.db)\n"
"  -h, --help              this help;  -V, --version  version\n"
"\n"
"Exit 0 if every file is in the index, 1 if any failed (each named on\n"
"stderr; the rest are in), 2 on a usage error.\n");
	exit(EXIT_OK);
}

typedef struct item {
	char *path;
	char *camera; /* NULL: the --camera one */
	int64_t size;
} item;

/* a file read and waiting for its write */
typedef struct ready {
	item *it;
	vidx_prepared *x;
	vidx_ingest_result r;
} ready;

typedef struct batch {
	item *it;
	size_t n, cap, next, done, failed;
	ready *q;                /* read, not yet written */
	size_t nq, qcap;
	int writing;             /* a batch is being written */
	int inline_write;        /* -j 1: each worker writes what it read */
	int reading;             /* workers still reading */
	pthread_cond_t ready_cv; /* files were read, or a worker ended */
	int64_t bytes, bytes_done;
	const char *db, *camera, *host;
	vidx_probe_opts o;
	int json, progress, from_dir, walk_failed;
	struct { dev_t dev; ino_t ino; } skip[3]; /* the index, -wal, -shm */
	double t0;
	pthread_mutex_t lock;
} batch;

static double now_s(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static void add_item(batch *b, const char *path, int64_t size)
{
	item *m;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		if (!(m = realloc(b->it, b->cap * sizeof(*m)))) {
			cli_warn("out of memory");
			exit(EXIT_SOME_FAILED);
		}
		b->it = m;
	}
	b->it[b->n].path = strdup(path);
	b->it[b->n].camera = NULL;
	b->it[b->n].size = size;
	if (!b->it[b->n].path) {
		cli_warn("out of memory");
		exit(EXIT_SOME_FAILED);
	}
	b->n++;
	b->bytes += size;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The index and its WAL files are skipped when a walk meets them. */
static int is_index_file(const batch *b, const char *path)
{
	struct stat sb;
	int i;
	if (stat(path, &sb) < 0)
		return 0;
	for (i = 0; i < 3; i++)
		if (b->skip[i].ino && b->skip[i].dev == sb.st_dev &&
		    b->skip[i].ino == sb.st_ino)
			return 1;
	return 0;
}

typedef struct ancestor {
	dev_t dev;
	ino_t ino;
	const struct ancestor *up;
} ancestor;

/* Walk DIR in name order.  Directory loops (bind mounts, hard-linked
 * directories) are cut by remembering the chain of ancestors. */
static int walk(batch *b, const char *dir, const ancestor *up, int depth)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct stat sb;
	ancestor me;
	const ancestor *a;
	int bad = 0;

	if (stat(dir, &sb) < 0)
		return -1;
	for (a = up; a; a = a->up)
		if (a->dev == sb.st_dev && a->ino == sb.st_ino) {
			cli_warn("'%s': directory loop, skipped", dir);
			return 0;
		}
	if (depth > 64) {
		cli_warn("'%s': deeper than 64 directories, skipped", dir);
		return 0;
	}
	me.dev = sb.st_dev;
	me.ino = sb.st_ino;
	me.up = up;
	if (!(d = opendir(dir))) {
		char db[CLI_CLEAN_MAX];
		cli_warn("cannot read directory '%s': %s", cli_clean(dir, db, sizeof(db)),
		         strerror(errno));
		return 1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **m = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*m));
			if (!m)
				break;
			names = m;
		}
		if (!(names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2)))
			break;
		sprintf(names[n++], "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
		        e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmpstr);
	for (i = 0; i < n; i++) {
		struct stat ls, ts;
		if (lstat(names[i], &ls) < 0)
			add_item(b, names[i], 0); /* vanished: its failure comes later */
		else if (S_ISDIR(ls.st_mode))
			bad |= walk(b, names[i], &me, depth + 1);
		else if (S_ISLNK(ls.st_mode) && stat(names[i], &ts) == 0 && S_ISDIR(ts.st_mode))
			; /* links to directories are not followed */
		else if (!is_index_file(b, names[i]))
			add_item(b, names[i], stat(names[i], &ts) == 0 ? ts.st_size : 0);
		free(names[i]);
	}
	free(names);
	return bad;
}

static void add_path(batch *b, const char *p)
{
	struct stat sb;
	if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		if (walk(b, p, NULL, 0))
			b->walk_failed = 1; /* named on stderr already */
	} else
		add_item(b, p, stat(p, &sb) == 0 ? sb.st_size : 0); /* errors come later */
}

static void read_list(batch *b, const char *file, int nul)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		cli_usage_error("--files-from: cannot open '%s': %s", file, strerror(errno));
	while ((n = getdelim(&line, &cap, nul ? '\0' : '\n', f)) > 0) {
		if (line[n - 1] == (nul ? '\0' : '\n'))
			line[--n] = 0;
		if (n)
			add_path(b, line);
	}
	free(line);
	if (f != stdin)
		fclose(f);
}

/* The name of the directory PATH is in, as written ("a/cam1/x.mp4" ->
 * "cam1", even when cam1 is a link); only "x.mp4", "./x.mp4" and "../x.mp4"
 * are resolved, to the real directory's name.  NULL if there is none. */
static char *dir_camera(const char *path)
{
	const char *slash = strrchr(path, '/'), *start;
	char *dir, *abs, *r = NULL;
	size_t n;

	while (slash && slash > path && slash[-1] == '/')
		slash--; /* "a//x" */
	if (slash && slash > path) {
		for (start = slash; start > path && start[-1] != '/'; start--)
			;
		n = (size_t)(slash - start);
		if (!(n == 1 && start[0] == '.') && !(n == 2 && !strncmp(start, "..", 2)))
			return strndup(start, n);
	}
	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return NULL;
	if ((abs = realpath(dir, NULL))) {
		const char *base = strrchr(abs, '/');
		if (base && base[1])
			r = strdup(base + 1);
		free(abs);
	}
	free(dir);
	return r;
}

static void progress(batch *b, int final)
{
	double el = now_s() - b->t0, rate = el > 0 ? b->bytes_done / el : 0;
	double frac = b->bytes ? (double)b->bytes_done / b->bytes
	            : b->n ? (double)b->done / b->n : 1;
	int w = 30, i, fill = (int)(frac * w);
	double eta = rate > 0 ? (b->bytes - b->bytes_done) / rate : 0;

	fprintf(stderr, "\r[");
	for (i = 0; i < w; i++)
		fputc(i < fill ? '=' : i == fill ? '>' : ' ', stderr);
	fprintf(stderr, "] %zu/%zu files %.1f/%.1f MB %.1f MB/s ETA %d:%02d %s",
	        b->done, b->n, b->bytes_done / 1e6, b->bytes / 1e6, rate / 1e6,
	        (int)eta / 60, (int)eta % 60, final ? "\n" : "");
	fflush(stderr);
}

static void report(batch *b, const char *path, const vidx_ingest_result *r)
{
	char s1[VIDX_TIME_BUFSZ], s2[VIDX_TIME_BUFSZ], pb[CLI_CLEAN_MAX];

	if (b->progress)
		fputs("\r\033[K", stderr);
	if (r->status == VIDX_FAILED)
		cli_warn("cannot ingest '%s': %s", cli_clean(path, pb, sizeof(pb)), r->error);
	if (b->json) {
		char *js = vidx_ingest_json(path, r);
		if (js)
			puts(js);
		free(js);
	} else if (r->status == VIDX_FAILED) {
		printf("%-9s %6s %-12s %-24s %-24s %4s %3s %-12s %s\n", "failed", "-",
		       r->camera, "-", "-", "-", "-", "-", cli_clean(path, pb, sizeof(pb)));
	} else {
		printf("%-9s %6lld %-12s %-24s %-24s %4zu %3zu %.12s %s\n",
		       vidx_status_name(r->status), (long long)r->recording_id, r->camera,
		       vidx_time_format(r->start, s1), vidx_time_format(r->end, s2),
		       r->keyframes, r->segments, r->sha256, cli_clean(path, pb, sizeof(pb)));
	}
	fflush(stdout);
}

/* a file's result, once it is in the index (or will never be); b->lock held */
static void finished(batch *b, item *it, const vidx_ingest_result *r)
{
	b->done++;
	b->bytes_done += it->size;
	if (r->status == VIDX_FAILED)
		b->failed++;
	report(b, it->path, r);
	if (b->progress)
		progress(b, 0);
}

/* Write what the workers have read so far, in one transaction (a group
 * commit: one sync of the index for all of them).  With -j 1 the worker
 * writes each file as soon as it is read; with more, the main thread does
 * the writing (writer()) while all the workers go on reading, so a write
 * costs no reader its turn and the slower the writes are, the more files
 * share one.  A file is reported only once its transaction is committed,
 * so a kill loses nothing reported.  b->lock held on entry and exit. */
static void write_ready(batch *b, vidx *h)
{
	while (b->nq && !b->writing) {
		ready *take = b->q;
		size_t n = b->nq, i;
		vidx_prepared **x = malloc(n * sizeof(*x));
		vidx_ingest_result *r = malloc(n * sizeof(*r));
		b->q = NULL;
		b->nq = b->qcap = 0;
		b->writing = 1;
		pthread_mutex_unlock(&b->lock);
		if (x && r) {
			for (i = 0; i < n; i++) {
				x[i] = take[i].x;
				r[i] = take[i].r;
			}
			vidx_ingest_commit(h, x, n, r);
		} else {
			for (i = 0; i < n; i++)
				snprintf(take[i].r.error, sizeof(take[i].r.error), "out of memory");
		}
		for (i = 0; i < n; i++)
			vidx_prepared_free(take[i].x);
		pthread_mutex_lock(&b->lock);
		for (i = 0; i < n; i++)
			finished(b, take[i].it, x && r ? &r[i] : &take[i].r);
		b->writing = 0;
		free(x);
		free(r);
		free(take);
	}
}

static void *worker(void *arg)
{
	batch *b = arg;
	vidx *h = vidx_new();
	int open_rc = h ? vidx_open(h, b->db, 0) : VIDX_ENOMEM;

	if (h && b->host)
		vidx_set_host(h, b->host); /* checked in main */

	for (;;) {
		vidx_ingest_result r;
		vidx_prepared *x = NULL;
		item *it;
		const char *cam;

		pthread_mutex_lock(&b->lock);
		if (b->next >= b->n) {
			pthread_mutex_unlock(&b->lock);
			break;
		}
		it = &b->it[b->next++];
		pthread_mutex_unlock(&b->lock);

		cam = it->camera ? it->camera : b->camera;
		if (open_rc < 0) {
			memset(&r, 0, sizeof(r));
			r.status = VIDX_FAILED;
			r.start = r.end = VIDX_TIME_NONE;
			snprintf(r.error, sizeof(r.error), "%s", h ? vidx_errmsg(h) : "out of memory");
		} else if (!cam) {
			memset(&r, 0, sizeof(r));
			r.status = VIDX_FAILED;
			r.start = r.end = VIDX_TIME_NONE;
			snprintf(r.error, sizeof(r.error), "no directory name to take the camera from");
		} else {
			vidx_ingest_prepare(h, it->path, cam, &b->o, &x, &r);
		}
		pthread_mutex_lock(&b->lock);
		if (!x) {
			finished(b, it, &r);
		} else if (b->nq == b->qcap &&
		           !(b->q = realloc(b->q, (b->qcap = b->qcap ? 2 * b->qcap : 16) *
		                                  sizeof(*b->q)))) {
			cli_warn("out of memory");
			exit(EXIT_SOME_FAILED);
		} else {
			b->q[b->nq].it = it;
			b->q[b->nq].x = x;
			b->q[b->nq++].r = r;
		}
		if (b->inline_write)
			write_ready(b, h);
		else
			pthread_cond_signal(&b->ready_cv);
		pthread_mutex_unlock(&b->lock);
	}
	pthread_mutex_lock(&b->lock);
	b->reading--;
	pthread_cond_signal(&b->ready_cv);
	pthread_mutex_unlock(&b->lock);
	vidx_free(h);
	return NULL;
}

/* With several workers: write what they read until they are all done. */
static void writer(batch *b)
{
	vidx *h = vidx_new();
	int open_rc = h ? vidx_open(h, b->db, 0) : VIDX_ENOMEM;
	size_t i;

	if (h && b->host)
		vidx_set_host(h, b->host);
	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (!b->nq && b->reading)
			pthread_cond_wait(&b->ready_cv, &b->lock);
		if (!b->nq)
			break;
		if (open_rc >= 0) {
			write_ready(b, h);
			continue;
		}
		for (i = 0; i < b->nq; i++) {
			snprintf(b->q[i].r.error, sizeof(b->q[i].r.error), "%s",
			         h ? vidx_errmsg(h) : "out of memory");
			vidx_prepared_free(b->q[i].x);
			finished(b, b->q[i].it, &b->q[i].r);
		}
		b->nq = 0;
	}
	pthread_mutex_unlock(&b->lock);
	vidx_free(h);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"camera", required_argument, NULL, 'c'},
		{"camera-from-dir", no_argument, NULL, 'D'},
		{"start", required_argument, NULL, 's'},
		{"name-time", required_argument, NULL, 'n'},
		{"tz", required_argument, NULL, 'z'},
		{"gap", required_argument, NULL, 'G'},
		{"host", required_argument, NULL, 'H'},
		{"files-from", required_argument, NULL, 'F'},
		{"null", no_argument, NULL, '0'},
		{"jobs", required_argument, NULL, 'j'},
		{"json", no_argument, NULL, 'J'},
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	static batch b;
	static vidx *h; /* static: still reachable when a usage error exits */
	const char *files_from = NULL, *host = NULL;
	pthread_t *th;
	size_t jobs = 1, i;
	int ch, nul = 0, rc;
	int64_t us;

	cli_prog = "vidx-ingest";
	b.db = cli_default_db();
	pthread_mutex_init(&b.lock, NULL);
	pthread_cond_init(&b.ready_cv, NULL);
	if (!(h = vidx_new())) {
		cli_warn("out of memory");
		return EXIT_SOME_FAILED;
	}
	while ((ch = getopt_long(argc, argv, "c:s:n:z:j:0d:hV", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': b.camera = optarg; break;
		case 'D': b.from_dir = 1; break;
		case 's': b.o.start = optarg; break;
		case 'n': b.o.name_time = optarg; break;
		case 'z': b.o.tz = optarg; break;
		case 'G':
			if (vidx_duration_parse(h, optarg, &b.o.gap_min) < 0 || !b.o.gap_min)
				cli_usage_error("--gap: cannot read duration '%s'", optarg);
			break;
		case 'F': files_from = optarg; break;
		case 'H':
			if (vidx_set_host(h, optarg) < 0)
				cli_usage_error("--host: %s", vidx_errmsg(h));
			host = optarg;
			break;
		case '0': nul = 1; break;
		case 'j':
		{
			char *e;
			long v = strtol(optarg, &e, 10);
			if (e == optarg || *e || v < 1 || v > 64)
				cli_usage_error("--jobs: want a number from 1 to 64, not '%s'",
				                optarg);
			jobs = (size_t)v;
		}
			break;
		case 'J': b.json = 1; break;
		case 'd': b.db = optarg; break;
		case 'h': usage(); break;
		case 'V': cli_version(); break;
		default:
			cli_bad_option();
		}
	}
	if (!b.camera == !b.from_dir)
		cli_usage_error("give either --camera ID or --camera-from-dir");
	cli_check_tz_env();
	if (b.o.tz && !vidx_tz_valid(b.o.tz))
		cli_usage_error("--tz: unknown time zone '%s'", b.o.tz);
	/* a local --start is read in --tz, else in the camera's zone (checked
	 * once the camera is known) */
	if (b.o.start && (b.o.tz || b.from_dir) &&
	    vidx_time_parse(h, b.o.start, b.o.tz, &us) < 0)
		cli_usage_error("--start: %s", vidx_errmsg(h));
	if (b.o.name_time && vidx_name_pattern_check(h, b.o.name_time) < 0)
		cli_usage_error("%s", vidx_errmsg(h));
	if (optind >= argc && !files_from)
		cli_usage_error("no files given");
	if (nul && !files_from)
		cli_usage_error("-0 goes with --files-from");
	{
		static const char *sfx[] = {"", "-wal", "-shm"};
		char p[4096];
		struct stat sb;
		int k;
		for (k = 0; k < 3; k++) {
			snprintf(p, sizeof(p), "%s%s", b.db, sfx[k]);
			if (stat(p, &sb) == 0) {
				b.skip[k].dev = sb.st_dev;
				b.skip[k].ino = sb.st_ino;
			}
		}
	}
	for (i = (size_t)optind; i < (size_t)argc; i++)
		add_path(&b, argv[i]);
	if (files_from)
		read_list(&b, files_from, nul);
	if (b.o.start && b.n > 1)
		cli_usage_error("--start names one recording's start; %zu files given", b.n);

	if (vidx_open(h, b.db, 0) < 0) {
		cli_warn("%s", vidx_errmsg(h));
		vidx_free(h);
		return EXIT_SOME_FAILED;
	}
	if (b.camera) {
		vidx_camera c;
		if (vidx_camera_get(h, b.camera, &c) < 0) {
			cli_warn("%s (add it with vidx-camera add); nothing ingested",
			         vidx_errmsg(h));
			vidx_free(h);
			return EXIT_SOME_FAILED;
		}
		/* --start is read in the zone the ingest will use */
		if (b.o.start && !b.o.tz &&
		    vidx_time_parse(h, b.o.start, c.tz, &us) < 0) {
			vidx_camera_clear(&c);
			cli_usage_error("--start: %s", vidx_errmsg(h));
		}
		vidx_camera_clear(&c);
	}
	vidx_free(h);
	b.host = host;
	for (i = 0; b.from_dir && i < b.n; i++)
		b.it[i].camera = dir_camera(b.it[i].path);

	b.progress = isatty(STDERR_FILENO);
	b.t0 = now_s();
	if (!b.json && b.n)
		printf("%-9s %6s %-12s %-24s %-24s %4s %3s %-12s %s\n", "STATUS", "ID",
		       "CAMERA", "START", "END", "KF", "SEG", "SHA256", "PATH");
	if (jobs > b.n)
		jobs = b.n ? b.n : 1;
	if (!(th = calloc(jobs, sizeof(*th)))) {
		cli_warn("out of memory");
		return EXIT_SOME_FAILED;
	}
	b.inline_write = jobs == 1;
	pthread_mutex_lock(&b.lock);
	for (i = 0; i < jobs; i++) {
		if (pthread_create(&th[i], NULL, worker, &b) != 0) {
			cli_warn("cannot start worker: %s", strerror(errno));
			break;
		}
		b.reading++;
	}
	jobs = i;
	pthread_mutex_unlock(&b.lock);
	if (jobs == 0) {
		b.inline_write = 1;
		b.reading = 1;
		worker(&b);
	} else if (!b.inline_write) {
		writer(&b);
	}
	for (i = 0; i < jobs; i++)
		pthread_join(th[i], NULL);
	if (b.progress && b.n)
		progress(&b, 1);
	free(th);
	for (i = 0; i < b.n; i++) {
		free(b.it[i].path);
		free(b.it[i].camera);
	}
	free(b.it);
	rc = b.failed || b.walk_failed ? EXIT_SOME_FAILED : EXIT_OK;
	return cli_flush(rc);
}
