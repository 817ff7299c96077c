/*
 * replay.c - runs a fuzz target over every file of its corpus directory
 * (FUZZ_CORPUS_DIR/FUZZ_NAME, or the first argument) as one TAP test, so
 * that make check keeps every input the fuzzer ever found interesting.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The whole file in a malloc'd buffer of exactly its size (ASan sees any
 * read past the end). */
static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = NULL, *grown;
	size_t cap = 0, n = 0, r;

	if (fp == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((grown = realloc(buf, cap)) == NULL)
				break;
			buf = grown;
		}
		if ((r = fread(buf + n, 1, cap - n, fp)) == 0)
			break;
		n += r;
	}
	fclose(fp);
	if (buf != NULL && (grown = realloc(buf, n ? n : 1)) != NULL)
		buf = grown;
	*len = n;
	return buf;
}

int
main(int argc, char **argv)
{
	char **names = NULL, path[8192], corpus[4096];
	const char *dir = corpus;
	size_t count = 0, unread = 0, i, len;
	struct dirent *de;
	unsigned char *data;
	DIR *d;

	if (argc > 1)
		dir = argv[1];
	else
		snprintf(corpus, sizeof(corpus), "%s/%s", FUZZ_CORPUS_DIR,
		    FUZZ_NAME);
	if ((d = opendir(dir)) == NULL) {
		printf("not ok 1 - corpus %s cannot be opened\n1..1\n", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = realloc(names, (count + 1) * sizeof(*names));
		if (names == NULL || (names[count] = strdup(de->d_name)) == NULL)
			return 1;
		count++;
	}
	closedir(d);
	qsort(names, count, sizeof(*names), by_name);
	/* One TAP test per corpus, not per input; each input is named on
	 * stderr (the test's log) first, so an abort shows which one. */
	for (i = 0; i < count; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]) >= sizeof(path) ||
		    (data = slurp(path, &len)) == NULL) {
			fprintf(stderr, "cannot read %s/%s\n", dir, names[i]);
			unread++;
		} else {
			fprintf(stderr, "input %s (%zu bytes)\n", names[i], len);
			LLVMFuzzerTestOneInput(data, len);
			free(data);
		}
		free(names[i]);
	}
	free(names);
	printf("%sok 1 - %s: %zu inputs replayed, %zu unreadable\n",
	    count > 0 && unread == 0 ? "" : "not ", dir, count, unread);
	printf("1..1\n");
	return count == 0 || unread > 0;
}
