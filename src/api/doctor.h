/*
 * doctor.h - the doctor of the lists, shared by the doctor and hospital
 * routes.
 */
#ifndef CEXUP_API_DOCTOR_H
#define CEXUP_API_DOCTOR_H

#include <libpq-fe.h>

struct json_writer;

/*
 * The members of a doctor in lists (inside an open object) from columns
 * col .. col + 8 of res: id, slug, name, title, photo_url,
 * years_of_practice, speciality id, slug, name.
 */
void	doctor_write_summary(struct json_writer *, const PGresult *, int row,
	    int col);

#endif
