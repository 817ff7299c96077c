/*
 * handlers.h - every route handler, one line each; the table is routes.c.
 */
#ifndef CEXUP_HANDLERS_H
#define CEXUP_HANDLERS_H

struct request;
struct response;

/* fdelux.c */
void	handle_fdelux_login(struct request *, struct response *);
void	handle_fdelux_register(struct request *, struct response *);
/* health.c */
void	handle_health(struct request *, struct response *);
void	handle_ready(struct request *, struct response *);
/* metrics.c */
void	handle_metrics(struct request *, struct response *);

/* ---- accounts (issue 3) ---- */
/* patient.c */
void	handle_patient_login(struct request *, struct response *);
void	handle_patient_register(struct request *, struct response *);
void	handle_check_id(struct request *, struct response *);
/* account.c */
void	handle_me(struct request *, struct response *);
void	handle_update_profile(struct request *, struct response *);
void	handle_token_refresh(struct request *, struct response *);
void	handle_logout(struct request *, struct response *);
/* avatar.c */
void	handle_avatar_upload(struct request *, struct response *);
void	handle_avatar_image(struct request *, struct response *);

/* ---- account lifecycle (issue 13) ---- */
/* change_password.c */
void	handle_password_change(struct request *, struct response *);
/* delete_account.c */
void	handle_account_delete(struct request *, struct response *);
/* sessions.c */
void	handle_sessions_list(struct request *, struct response *);
void	handle_session_revoke(struct request *, struct response *);
void	handle_sessions_revoke_others(struct request *, struct response *);
/* recovery.c */
void	handle_password_forgot(struct request *, struct response *);
void	handle_password_reset(struct request *, struct response *);
void	handle_email_verify(struct request *, struct response *);
void	handle_email_verify_resend(struct request *, struct response *);

/* ---- catalog (issue 4) ---- */
/* doctor.c */
void	handle_doctor_list(struct request *, struct response *);
void	handle_doctor_show(struct request *, struct response *);
/* speciality.c */
void	handle_speciality_list(struct request *, struct response *);
/* hospital.c */
void	handle_hospital_list(struct request *, struct response *);
void	handle_hospital_show(struct request *, struct response *);
/* article.c */
void	handle_article_list(struct request *, struct response *);
void	handle_article_show(struct request *, struct response *);
/* schedule.c */
void	handle_time_list(struct request *, struct response *);

/* ---- booking (issue 14) ---- */
/* booking.c */
void	handle_booking_book(struct request *, struct response *);
void	handle_booking_list(struct request *, struct response *);
void	handle_booking_cancel(struct request *, struct response *);
void	handle_doctor_appointments(struct request *, struct response *);

#endif
