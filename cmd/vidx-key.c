/* vidx-key - an operator's signing key, and the certificate for signed ONVIF
 * exports. */
#define _DEFAULT_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../libindex/vidx.h"
#include "cli.h"

static void usage(void)
{
	printf(
"usage: vidx-key new --by name [--key file]\n"
"       vidx-key export [--json] [--key file]\n"
"       vidx-key cert [--by name] [--days n] [--cert file] [--cert-key file]\n"
"\n"
"new makes an Ed25519 key pair for an operator: the private key goes to\n"
"FILE (default $XDG_CONFIG_HOME/vidx/key), readable by its owner only, and\n"
"is never stored in an index; its public half is printed.  Every custody\n"
"event and every manifest written with the key is signed.  export prints\n"
"the public half again with its fingerprint: give it to whoever checks\n"
"(a trust file is any number of exports, concatenated).  cert makes an RSA\n"
"key and a self-signed X.509 certificate for the signatures inside ONVIF\n"
"exports (vidx-pull --sign) when the agency has none, and prints the\n"
"certificate.\n"
"\n"
"  --by NAME         the operator, as --by names them elsewhere\n"
"                    (cert: default the key's operator)\n"
"  --key FILE        the private key (default $XDG_CONFIG_HOME/vidx/key)\n"
"  --cert FILE       cert: where the certificate goes (default\n"
"                    $XDG_CONFIG_HOME/vidx/cert.pem)\n"
"  --cert-key FILE   cert: where its RSA key goes (default\n"
"                    $XDG_CONFIG_HOME/vidx/cert-key.pem)\n"
"  --days N          cert: valid for N days (default 3650)\n"
"  --json            export: one JSON object\n"
"  -h, --help        this help;  -V, --version  version\n"
"\n"
"Nothing is ever replaced.  Exit 0 on success, 1 on failure, 2 on a usage\n"
"error.\n");
	exit(EXIT_OK);
}

/* the named file, else the default one (malloc'ed); usage error without */
static char *path_or_default(const char *given, const char *name)
{
	char *p = given ? strdup(given) : vidx_config_path(name);
	if (!p && !given)
		cli_usage_error("no $XDG_CONFIG_HOME or $HOME: name the file with --%s",
		                strcmp(name, "key") ? name : "key");
	if (!p) {
		cli_warn("out of memory");
		exit(EXIT_SOME_FAILED);
	}
	return p;
}

static int do_export(vidx *h, const char *keyfile, int json)
{
	vidx_key *k = NULL;
	char *text;
	int rc = EXIT_OK;

	if (vidx_key_load(h, keyfile, &k) < 0) {
		cli_warn("%s", vidx_errmsg(h));
		return EXIT_SOME_FAILED;
	}
	if (!(text = vidx_key_export(k))) {
		cli_warn("out of memory");
		rc = EXIT_SOME_FAILED;
	} else if (json) {
		/* names are one line, and fingerprints and PEM are ASCII */
		const char *p, *pem = strchr(text, '\n') + 1;
		printf("{\"name\":\"");
		for (p = vidx_key_name(k); *p; p++)
			printf(*p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
		printf("\",\"fingerprint\":\"%s\",\"public_key\":\"", vidx_key_fingerprint(k));
		for (p = pem; *p; p++)
			printf(*p == '\n' ? "\\n" : "%c", *p);
		printf("\"}\n");
	} else {
		fputs(text, stdout);
	}
	free(text);
	vidx_key_free(k);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"by", required_argument, NULL, 'b'},
		{"key", required_argument, NULL, 'k'},
		{"cert", required_argument, NULL, 'C'},
		{"cert-key", required_argument, NULL, 'K'},
		{"days", required_argument, NULL, 'D'},
		{"json", no_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *by = NULL, *key = NULL, *cert = NULL, *cert_key = NULL, *cmd;
	char *keyfile = NULL, *certfile = NULL, *certkeyfile = NULL;
	int ch, rc = EXIT_OK, json = 0, days = 3650;
	vidx *h;

	cli_prog = "vidx-key";
	while ((ch = getopt_long(argc, argv, "hV", lo, NULL)) != -1) {
		switch (ch) {
		case 'b': by = optarg; break;
		case 'k': key = optarg; break;
		case 'C': cert = optarg; break;
		case 'K': cert_key = optarg; break;
		case 'D': {
			char *e;
			long d = strtol(optarg, &e, 10);
			if (e == optarg || *e || d < 1 || d > 36500)
				cli_usage_error("--days: a number of days, 1 to 36500");
			days = (int)d;
			break;
		}
		case 'J': json = 1; break;
		case 'h': usage(); break;
		case 'V': cli_version(); break;
		default:
			cli_bad_option();
		}
	}
	if (optind >= argc)
		cli_usage_error("no command (new, export, cert)");
	cmd = argv[optind++];
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (strcmp(cmd, "new") && strcmp(cmd, "export") && strcmp(cmd, "cert"))
		cli_usage_error("unknown command '%s'", cmd);
	if (json && strcmp(cmd, "export"))
		cli_usage_error("--json is for export");
	if ((cert || cert_key || days != 3650) && strcmp(cmd, "cert"))
		cli_usage_error("--cert, --cert-key and --days are for cert");
	if (by && !strcmp(cmd, "export"))
		cli_usage_error("export: the key names its operator; no --by");
	if (key && !strcmp(cmd, "cert") && by)
		cli_usage_error("cert: give --by or --key (whose name it takes), not both");
	if (!strcmp(cmd, "new") && !by)
		cli_usage_error("new: whose key? give --by NAME");
	if (by && !vidx_operator_valid(by))
		cli_usage_error("--by: one line of UTF-8 text without control characters");
	if (!(h = vidx_new())) {
		cli_warn("out of memory");
		return EXIT_SOME_FAILED;
	}

	if (!strcmp(cmd, "new")) {
		keyfile = path_or_default(key, "key");
		if (vidx_key_new(h, keyfile, by) < 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
		} else {
			rc = do_export(h, keyfile, 0);
			if (rc == EXIT_OK)
				cli_warn("made the key of '%s' in %s (private: keep it so); its "
				         "public half is above (vidx key export prints it again)",
				         by, keyfile);
		}
	} else if (!strcmp(cmd, "export")) {
		keyfile = path_or_default(key, "key");
		rc = do_export(h, keyfile, json);
	} else {
		char subject[600];
		certfile = path_or_default(cert, "cert.pem");
		certkeyfile = path_or_default(cert_key, "cert-key.pem");
		if (!by) {
			vidx_key *k = NULL;
			keyfile = path_or_default(key, "key");
			if (vidx_key_load(h, keyfile, &k) < 0) {
				cli_warn("%s (give --by NAME for the certificate)", vidx_errmsg(h));
				rc = EXIT_SOME_FAILED;
				goto out;
			}
			snprintf(subject, sizeof(subject), "%s", vidx_key_name(k));
			vidx_key_free(k);
		} else {
			snprintf(subject, sizeof(subject), "%s", by);
		}
		if (vidx_cert_new(h, certfile, certkeyfile, subject, days) < 0 ||
		    vidx_use_cert(h, certfile, certkeyfile) < 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
		} else {
			FILE *f = fopen(certfile, "r");
			int c;
			while (f && (c = getc(f)) != EOF)
				putchar(c);
			if (f)
				fclose(f);
			cli_warn("made a self-signed certificate for '%s' in %s, its RSA key in "
			         "%s (private); the certificate is above: add it to trust "
			         "files", subject, certfile, certkeyfile);
		}
	}
out:
	free(keyfile);
	free(certfile);
	free(certkeyfile);
	vidx_free(h);
	return cli_flush(rc);
}
