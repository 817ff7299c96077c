/*
 * avatar.h - pure helpers of the avatar upload (unit-tested).
 */
#ifndef CEXUP_API_AVATAR_H
#define CEXUP_API_AVATAR_H

#include <stddef.h>

#define AVATAR_MAX_BYTES	(2 * 1024 * 1024)	/* decoded */

enum image_type {
	IMAGE_UNKNOWN = 0,
	IMAGE_PNG,
	IMAGE_JPEG,
	IMAGE_WEBP
};

/* "png", "jpeg"/"jpg", "webp" (lower case); IMAGE_UNKNOWN otherwise. */
enum image_type	 image_type_from_name(const char *);
/* "image/png", ... for a known type, NULL otherwise. */
const char	*image_mime_type(enum image_type);
/* What the bytes really are, by their magic number. */
enum image_type	 image_sniff(const unsigned char *, size_t);

/*
 * Skips an optional "data:image/<subtype>;base64," prefix.  Returns the
 * start of the base64 text and sets *rest_len; *declared is the prefix's
 * image type (IMAGE_UNKNOWN without a prefix).  Returns NULL for a data:
 * URL that is not base64 image data.
 */
const char	*avatar_strip_data_url(const char *s, size_t len,
		    size_t *rest_len, enum image_type *declared);

#endif
