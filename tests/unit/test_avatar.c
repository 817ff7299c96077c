/*
 * test_avatar.c - image types by magic number, data: URL prefixes.
 */
#include <string.h>

#include "api/avatar.h"
#include "tap.h"

static void
test_sniff(void)
{
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n', 0, 0 };
	static const unsigned char jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0 };
	static const unsigned char webp[] = "RIFF\x10\0\0\0WEBPVP8 ";
	static const unsigned char riff_wav[] = "RIFF\x10\0\0\0WAVEfmt ";
	static const unsigned char gif[] = "GIF89a......";
	static const unsigned char png_text[] = "PNG is a format";
	unsigned char short_png[7];

	is_int(image_sniff(png, sizeof(png)), IMAGE_PNG, "PNG signature");
	is_int(image_sniff(jpeg, sizeof(jpeg)), IMAGE_JPEG, "JPEG SOI");
	is_int(image_sniff(webp, sizeof(webp) - 1), IMAGE_WEBP, "RIFF/WEBP");
	is_int(image_sniff(riff_wav, sizeof(riff_wav) - 1), IMAGE_UNKNOWN,
	    "RIFF but WAVE is not WebP");
	is_int(image_sniff(gif, sizeof(gif) - 1), IMAGE_UNKNOWN, "GIF refused");
	is_int(image_sniff(png_text, sizeof(png_text) - 1), IMAGE_UNKNOWN,
	    "text mentioning PNG");
	memcpy(short_png, png, sizeof(short_png));
	is_int(image_sniff(short_png, sizeof(short_png)), IMAGE_UNKNOWN,
	    "a truncated PNG signature");
	is_int(image_sniff(jpeg, 2), IMAGE_UNKNOWN, "two bytes of JPEG");
	is_int(image_sniff(webp, 11), IMAGE_UNKNOWN, "a truncated WebP header");
	is_int(image_sniff(png, 0), IMAGE_UNKNOWN, "nothing");
}

static void
test_names(void)
{
	is_int(image_type_from_name("png"), IMAGE_PNG, "png");
	is_int(image_type_from_name("jpeg"), IMAGE_JPEG, "jpeg");
	is_int(image_type_from_name("jpg"), IMAGE_JPEG, "jpg");
	is_int(image_type_from_name("webp"), IMAGE_WEBP, "webp");
	is_int(image_type_from_name("PNG"), IMAGE_UNKNOWN, "case matters");
	is_int(image_type_from_name("gif"), IMAGE_UNKNOWN, "gif");
	is_int(image_type_from_name(""), IMAGE_UNKNOWN, "empty");
	is_str(image_mime_type(IMAGE_JPEG), "image/jpeg", "mime of jpeg");
	is_str(image_mime_type(IMAGE_WEBP), "image/webp", "mime of webp");
	ok(image_mime_type(IMAGE_UNKNOWN) == NULL, "no mime for unknown");
}

static void
test_data_url(void)
{
	enum image_type t;
	const char *s, *rest;
	size_t n;

	s = "iVBORw0KGgo=";
	rest = avatar_strip_data_url(s, strlen(s), &n, &t);
	ok(rest == s && n == strlen(s) && t == IMAGE_UNKNOWN,
	    "plain base64 is left alone");
	s = "data:image/png;base64,iVBORw0KGgo=";
	rest = avatar_strip_data_url(s, strlen(s), &n, &t);
	ok(rest != NULL && strcmp(rest, "iVBORw0KGgo=") == 0 && n == 12 &&
	    t == IMAGE_PNG, "data:image/png;base64, is stripped");
	s = "DATA:IMAGE/JPEG;BASE64,/9j/";
	rest = avatar_strip_data_url(s, strlen(s), &n, &t);
	ok(rest != NULL && n == 4 && t == IMAGE_JPEG, "any case");
	s = "data:image/jpg;base64,/9j/";
	rest = avatar_strip_data_url(s, strlen(s), &n, &t);
	ok(rest != NULL && t == IMAGE_JPEG, "image/jpg is JPEG");
	s = "data:image/webp;base64,";
	rest = avatar_strip_data_url(s, strlen(s), &n, &t);
	ok(rest != NULL && n == 0 && t == IMAGE_WEBP, "empty payload");
	s = "data:image/png,abc";
	ok(avatar_strip_data_url(s, strlen(s), &n, &t) == NULL,
	    "a data: URL without ;base64 is refused");
	s = "data:text/plain;base64,abc";
	ok(avatar_strip_data_url(s, strlen(s), &n, &t) == NULL,
	    "a non-image data: URL is refused");
	s = "data:image/gif;base64,R0lG";
	ok(avatar_strip_data_url(s, strlen(s), &n, &t) == NULL,
	    "an unsupported image type is refused");
	s = "data:image/;base64,abc";
	ok(avatar_strip_data_url(s, strlen(s), &n, &t) == NULL,
	    "an empty subtype is refused");
	s = "data:image/png;base64";
	ok(avatar_strip_data_url(s, strlen(s), &n, &t) == NULL,
	    "no comma is refused");
	s = "data:image/averyveryverylongsubtype;base64,abc";
	ok(avatar_strip_data_url(s, strlen(s), &n, &t) == NULL,
	    "an overlong subtype is refused");
}

int
main(void)
{
	test_sniff();
	test_names();
	test_data_url();
	return done_testing();
}
