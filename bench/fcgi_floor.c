/*
 * bench/fcgi_floor.c - the FastCGI floor for a given body: NPROC prefork
 * libfcgi responders on one unix socket, each answering every request
 * with the bytes of BODYFILE as application/json, after reading and
 * dropping the request body.  No database, no JSON, no routing: what one
 * FastCGI round trip through nginx costs for an answer of that size
 * (bench/catalog_cache.pl compares the warm doctor list with it).
 *
 * Usage: fcgi_floor SOCKET BODYFILE NPROC   (runs until SIGTERM)
 * Build: cc -O2 -o fcgi_floor fcgi_floor.c -lfcgi
 */
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	char *data;

	if (f == NULL)
		return NULL;
	if (fstat(fileno(f), &sb) == -1 ||
	    (data = malloc((size_t)sb.st_size + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(data, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
		free(data);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)sb.st_size;
	return data;
}

static void
serve(int fd, const char *head, size_t head_len, const char *body,
    size_t body_len)
{
	FCGX_Request req;
	char sink[4096];

	if (FCGX_InitRequest(&req, fd, 0) != 0)
		exit(1);
	while (FCGX_Accept_r(&req) >= 0) {
		while (FCGX_GetStr(sink, (int)sizeof(sink), req.in) > 0)
			;
		FCGX_PutStr(head, (int)head_len, req.out);
		FCGX_PutStr(body, (int)body_len, req.out);
		FCGX_Finish_r(&req);
	}
	exit(0);
}

int
main(int argc, char **argv)
{
	char head[128];
	size_t body_len, head_len;
	char *body;
	int fd, i, n;

	if (argc != 4 || (n = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: fcgi_floor SOCKET BODYFILE NPROC\n");
		return 2;
	}
	if ((body = read_file(argv[2], &body_len)) == NULL) {
		perror(argv[2]);
		return 1;
	}
	head_len = (size_t)snprintf(head, sizeof(head), "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
	    body_len);
	if (FCGX_Init() != 0)
		return 1;
	(void)unlink(argv[1]);
	if ((fd = FCGX_OpenSocket(argv[1], 128)) < 0) {
		perror(argv[1]);
		return 1;
	}
	(void)chmod(argv[1], 0666);
	for (i = 0; i < n; i++)
		if (fork() == 0)
			serve(fd, head, head_len, body, body_len);
	/* SIGTERM to the parent ends the group (the bench kills -PGID). */
	while (wait(NULL) > 0)
		;
	return 0;
}
