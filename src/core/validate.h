/*
 * validate.h - pure checks on client input.  None allocate.
 */
#ifndef CEXUP_VALIDATE_H
#define CEXUP_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/* Well-formed UTF-8 (no overlongs, no surrogates, max U+10FFFF), no NUL. */
bool	valid_utf8(const char *s, size_t len);

/*
 * Pragmatic address check: local@domain, at most 254 bytes, local part at most
 * 64 bytes of printable ASCII without spaces or specials ()<>[]:;@\,",
 * no leading/trailing/double dot; domain of at least two dot-separated labels
 * of letters, digits and inner hyphens (1..63 each), last label not all digits.
 */
bool	valid_email(const char *s, size_t len);

/* ^[a-zA-Z]+[0-9]*$ and at most 64 bytes (docs/API.md §3). */
bool	valid_username(const char *s, size_t len);

/* YYYY-MM-DD, zero-padded, a real calendar date (1900..9999). */
bool	valid_date(const char *s, size_t len, int *year, int *month, int *day);

/* Only ASCII digits, at least one. */
bool	all_digits(const char *s, size_t len);

/* Optional leading '+', then 8..15 digits (E.164-ish). */
bool	valid_phone(const char *s, size_t len);
/* A canonical lower-case uuid (36 characters, NUL-terminated). */
bool	valid_uuid(const char *s);

#endif
