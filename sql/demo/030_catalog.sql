-- Demo catalog (issue 4): specialities, doctors with their accounts,
-- hospitals in several Indonesian cities, where each doctor practises,
-- weekly schedules, some bookings in the coming days and health articles.
-- Every name, address, phone number and text here is invented for this
-- project; any likeness to a real person or hospital is accidental.
--
-- Loaded with psql after the migrations (scripts/start.sh, or
-- CexupTest->new(demo => 1)).  Dates are relative to today, so the
-- bookings stay in the future whenever this is loaded.  Schedules are in
-- local time: pass the server's time zone as `psql -v timezone=...` when
-- it is not Asia/Jakarta, so that bookings fall on schedule slots.
--
-- Demo accounts (password: cexup-doctor-demo, see README "Demo data"):
--   doctors:  <doctor slug>@doctors.cexup.example, role doctor
--   patients: <first name>@patients.cexup.example, role patient

\if :{?timezone}
\else
\set timezone 'Asia/Jakarta'
\endif

BEGIN;

-- Argon2id (m=19456, t=2, p=1) of "cexup-doctor-demo", made once with
-- `cexup-api hash-password`.
CREATE TEMPORARY TABLE demo_password (hash text) ON COMMIT DROP;
INSERT INTO demo_password VALUES
	('$argon2id$v=19$m=19456,t=2,p=1$rTmnDL0sJSWu9+xCsLnJNw$GVzf13dMqV5dCBQAQ9I7cBeNJRwETMcU/D6O4Qjp1jY');

INSERT INTO specialities (slug, name, description) VALUES
	('general-practice', 'General Practice',
	 'First contact for everyday complaints, check-ups and referrals.'),
	('internal-medicine', 'Internal Medicine',
	 'Diabetes, hypertension, infections and other adult illnesses.'),
	('pediatrics', 'Pediatrics',
	 'Health, growth and immunisation of babies, children and teenagers.'),
	('obstetrics-gynecology', 'Obstetrics & Gynecology',
	 'Pregnancy care, childbirth and women''s reproductive health.'),
	('cardiology', 'Cardiology',
	 'Heart and blood vessel disease, chest pain and palpitations.'),
	('neurology', 'Neurology',
	 'Headache, stroke, epilepsy and other disorders of the nerves.'),
	('dermatology', 'Dermatology & Venereology',
	 'Skin, hair and nail problems and sexually transmitted infections.'),
	('ophthalmology', 'Ophthalmology',
	 'Eye examinations, cataract, glaucoma and vision problems.'),
	('ent', 'Ear, Nose & Throat',
	 'Sinusitis, hearing loss, tonsils and voice problems.'),
	('orthopedics', 'Orthopedics & Traumatology',
	 'Bones, joints, sports injuries and fractures.'),
	('psychiatry', 'Psychiatry',
	 'Depression, anxiety, sleep problems and other mental health care.'),
	('pulmonology', 'Pulmonology',
	 'Asthma, tuberculosis, COPD and other lung conditions.'),
	('urology', 'Urology',
	 'Kidney stones, urinary tract problems and the prostate.'),
	('dentistry', 'Dentistry',
	 'Check-ups, fillings, extractions and dental hygiene.'),
	('clinical-nutrition', 'Clinical Nutrition',
	 'Diet plans for weight, diabetes, kidney disease and recovery.'),
	('general-surgery', 'General Surgery',
	 'Appendicitis, hernia, lumps and other operations.'),
	('physical-rehabilitation', 'Physical Medicine & Rehabilitation',
	 'Recovery of movement after injury, stroke or surgery.');

INSERT INTO hospitals (slug, name, address, city, phone, photo_url) VALUES
	('rs-harapan-sehat-jakarta', 'RS Harapan Sehat',
	 'Jl. Mampang Prapatan Raya No. 45, Jakarta Selatan', 'Jakarta',
	 '+62 21 7918 2040',
	 'https://cdn.cexup.example/hospitals/rs-harapan-sehat-jakarta.jpg'),
	('rs-medika-nusantara-jakarta', 'RS Medika Nusantara',
	 'Jl. Tanjung Duren Raya No. 112, Jakarta Barat', 'Jakarta',
	 '+62 21 5694 3318',
	 'https://cdn.cexup.example/hospitals/rs-medika-nusantara-jakarta.jpg'),
	('rsia-citra-bunda-bandung', 'RSIA Citra Bunda',
	 'Jl. Ir. H. Juanda No. 188, Coblong', 'Bandung',
	 '+62 22 2503 7714',
	 'https://cdn.cexup.example/hospitals/rsia-citra-bunda-bandung.jpg'),
	('rs-sentosa-husada-bandung', 'RS Sentosa Husada',
	 'Jl. Surya Sumantri No. 37, Sukajadi', 'Bandung',
	 '+62 22 2012 4460',
	 'https://cdn.cexup.example/hospitals/rs-sentosa-husada-bandung.jpg'),
	('rs-samudra-medika-surabaya', 'RS Samudra Medika',
	 'Jl. Raya Darmo Permai II No. 21', 'Surabaya',
	 '+62 31 7345 9902',
	 'https://cdn.cexup.example/hospitals/rs-samudra-medika-surabaya.jpg'),
	('rs-anugerah-kasih-surabaya', 'RS Anugerah Kasih',
	 'Jl. Kertajaya Indah Timur No. 9', 'Surabaya',
	 '+62 31 5998 1207',
	 'https://cdn.cexup.example/hospitals/rs-anugerah-kasih-surabaya.jpg'),
	('rs-cendana-raya-yogyakarta', 'RS Cendana Raya',
	 'Jl. Kaliurang Km 6,5 No. 14, Sleman', 'Yogyakarta',
	 '+62 274 880 3561',
	 'https://cdn.cexup.example/hospitals/rs-cendana-raya-yogyakarta.jpg'),
	('rs-pandanaran-husada-semarang', 'RS Pandanaran Husada',
	 'Jl. Pandanaran No. 130', 'Semarang',
	 '+62 24 8442 6075',
	 'https://cdn.cexup.example/hospitals/rs-pandanaran-husada-semarang.jpg'),
	('rs-toba-sejahtera-medan', 'RS Toba Sejahtera',
	 'Jl. Gatot Subroto No. 256, Medan Petisah', 'Medan',
	 '+62 61 4577 2839',
	 'https://cdn.cexup.example/hospitals/rs-toba-sejahtera-medan.jpg'),
	('rs-dewata-medika-denpasar', 'RS Dewata Medika',
	 'Jl. Teuku Umar Barat No. 77', 'Denpasar',
	 '+62 361 947 5120',
	 'https://cdn.cexup.example/hospitals/rs-dewata-medika-denpasar.jpg'),
	('rs-losari-husada-makassar', 'RS Losari Husada',
	 'Jl. Penghibur No. 15, Ujung Pandang', 'Makassar',
	 '+62 411 836 2294',
	 'https://cdn.cexup.example/hospitals/rs-losari-husada-makassar.jpg'),
	('rs-musi-medika-palembang', 'RS Musi Medika',
	 'Jl. Jenderal Sudirman Km 4 No. 401', 'Palembang',
	 '+62 711 357 6648',
	 'https://cdn.cexup.example/hospitals/rs-musi-medika-palembang.jpg');

-- name, speciality, title, years of practice, a sentence of their own.
CREATE TEMPORARY TABLE demo_doctor (
	n int, name text, speciality text, title text, years int, note text
) ON COMMIT DROP;
INSERT INTO demo_doctor VALUES
	(1, 'Andi Pratama', 'general-practice', 'dr.', 6,
	 'Often the first to see families from the neighbourhood for fever, cough and routine check-ups.'),
	(2, 'Siti Rahmawati', 'pediatrics', 'Sp.A', 14,
	 'Runs the well-baby clinic and answers many questions about immunisation schedules.'),
	(3, 'Budi Santoso', 'internal-medicine', 'Sp.PD', 19,
	 'Looks after many patients with long-standing diabetes and high blood pressure.'),
	(4, 'Dewi Anggraini', 'obstetrics-gynecology', 'Sp.OG', 12,
	 'Known for calm, unhurried antenatal visits and clear explanations of every scan.'),
	(5, 'Rizky Ramadhan', 'cardiology', 'Sp.JP', 9,
	 'Reads echocardiograms and leads the hospital''s heart-failure follow-up clinic.'),
	(6, 'Putu Ayu Saraswati', 'dermatology', 'Sp.DV', 8,
	 'Treats acne, eczema and fungal infections made worse by the humid climate.'),
	(7, 'Made Wirawan', 'orthopedics', 'Sp.OT', 16,
	 'Operates on sports injuries of the knee and shoulder.'),
	(8, 'Nurul Hidayah', 'clinical-nutrition', 'Sp.GK', 7,
	 'Builds meal plans around local food rather than imported diets.'),
	(9, 'Hendra Kusuma', 'neurology', 'Sp.N', 15,
	 'Sees patients with migraine and supports families after a stroke.'),
	(10, 'Fitri Handayani', 'general-practice', 'dr.', 4,
	 'Handles most of the clinic''s online consultations in the evening.'),
	(11, 'Yohanes Simanjuntak', 'pulmonology', 'Sp.P', 13,
	 'Coordinates tuberculosis treatment and follows each patient to the end of therapy.'),
	(12, 'Maria Situmorang', 'ophthalmology', 'Sp.M', 11,
	 'Performs cataract surgery and screens diabetic patients for eye damage.'),
	(13, 'Agus Setiawan', 'ent', 'Sp.THT-KL', 17,
	 'Treats chronic sinusitis and checks hearing in children and adults.'),
	(14, 'Ratna Wulandari', 'psychiatry', 'Sp.KJ', 10,
	 'Offers counselling for anxiety, burnout and sleep problems, in person or online.'),
	(15, 'Fajar Nugroho', 'urology', 'Sp.U', 12,
	 'Manages kidney stones with minimally invasive procedures.'),
	(16, 'Intan Permatasari', 'dentistry', 'drg.', 6,
	 'Makes the first dental visit of young children a pleasant one.'),
	(17, 'Wayan Sudarsana', 'general-surgery', 'Sp.B', 20,
	 'Has performed thousands of appendix and hernia operations.'),
	(18, 'Lina Kurniawati', 'physical-rehabilitation', 'Sp.KFR', 9,
	 'Plans exercise programmes for recovery after stroke and joint surgery.'),
	(19, 'Teguh Prasetyo', 'internal-medicine', 'Sp.PD', 8,
	 'Special interest in liver disease and typhoid fever.'),
	(20, 'Melati Puspita', 'pediatrics', 'Sp.A', 5,
	 'Follows children''s growth closely to catch stunting early.'),
	(21, 'Arief Wicaksono', 'cardiology', 'Sp.JP', 18,
	 'Performs cardiac catheterisation and leads cardiac rehabilitation.'),
	(22, 'Sri Wahyuni', 'obstetrics-gynecology', 'Sp.OG', 22,
	 'Supports high-risk pregnancies and mothers with gestational diabetes.'),
	(23, 'Dimas Aditya', 'general-practice', 'dr.', 3,
	 'Enjoys explaining test results in plain words.'),
	(24, 'Kartika Sari', 'dermatology', 'Sp.DV', 13,
	 'Treats pigmentation and scarring and advises on everyday sun protection.'),
	(25, 'Benny Halim', 'orthopedics', 'Sp.OT', 11,
	 'Treats back pain and fractures in older adults.'),
	(26, 'Grace Wijaya', 'ophthalmology', 'Sp.M', 7,
	 'Fits children with glasses and treats lazy eye.'),
	(27, 'Yusuf Maulana', 'neurology', 'Sp.N', 6,
	 'Runs the epilepsy clinic and monitors treatment by video consultation.'),
	(28, 'Annisa Fitriani', 'clinical-nutrition', 'Sp.GK', 10,
	 'Helps patients with kidney disease balance protein, salt and fluids.'),
	(29, 'Gede Artawan', 'general-surgery', 'Sp.B', 14,
	 'Performs laparoscopic gallbladder surgery.'),
	(30, 'Novita Sari Hutapea', 'pediatrics', 'Sp.A', 16,
	 'Cares for children with asthma and allergies.'),
	(31, 'Irfan Syahputra', 'pulmonology', 'Sp.P', 9,
	 'Helps smokers quit and tests lung function.'),
	(32, 'Rina Marlina', 'ent', 'Sp.THT-KL', 8,
	 'Treats voice problems of teachers, singers and call-centre staff.'),
	(33, 'Bayu Saputra', 'psychiatry', 'Sp.KJ', 5,
	 'Works with teenagers and university students.'),
	(34, 'Yuliana Tanjung', 'internal-medicine', 'Sp.PD', 21,
	 'Consultant for thyroid disorders and hormone problems.'),
	(35, 'Hadi Susanto', 'urology', 'Sp.U', 19,
	 'Treats enlarged prostate and urinary incontinence.'),
	(36, 'Wulan Septiani', 'dentistry', 'drg.', 9,
	 'Focuses on gum health and preventive care for adults.'),
	(37, 'Stefanus Lumban Gaol', 'cardiology', 'Sp.JP', 7,
	 'Manages high blood pressure that does not respond to the usual medicines.'),
	(38, 'Cut Rahmi Zahara', 'obstetrics-gynecology', 'Sp.OG', 9,
	 'Offers family planning counselling and menopause care.'),
	(39, 'Ahmad Fauzi', 'general-practice', 'dr.', 11,
	 'Also trained in occupational health and checks workers before travel.'),
	(40, 'Ika Purnamasari', 'physical-rehabilitation', 'Sp.KFR', 12,
	 'Treats children with developmental delays together with their parents.'),
	(41, 'Rudi Hermawan', 'orthopedics', 'Sp.OT', 23,
	 'Replaces hips and knees worn out by arthritis.'),
	(42, 'Eka Damayanti', 'dermatology', 'Sp.DV', 4,
	 'Sees many patients with skin allergies and hives.'),
	(43, 'Reza Firmansyah', 'neurology', 'Sp.N', 12,
	 'Treats nerve pain, numbness and carpal tunnel syndrome.'),
	(44, 'Ayu Kusumawardani', 'pediatrics', 'Sp.A', 10,
	 'Looks after newborns, including babies born early.'),
	(45, 'Ketut Mahendra', 'internal-medicine', 'Sp.PD', 13,
	 'Treats dengue and other tropical infections in the rainy season.'),
	(46, 'Febriana Lubis', 'ophthalmology', 'Sp.M', 15,
	 'Monitors glaucoma patients for many years.'),
	(47, 'Daniel Sembiring', 'general-surgery', 'Sp.B', 10,
	 'Treats diabetic foot wounds with the internal medicine team.'),
	(48, 'Nadia Rachmawati', 'psychiatry', 'Sp.KJ', 14,
	 'Helps mothers with depression during and after pregnancy.'),
	(49, 'Taufik Hidayatullah', 'ent', 'Sp.THT-KL', 6,
	 'Treats ear infections and removes tonsils in children.'),
	(50, 'Aprilia Nasution', 'clinical-nutrition', 'Sp.GK', 5,
	 'Plans nutrition for cancer patients during treatment.'),
	(51, 'Kevin Susanto', 'dentistry', 'drg.', 3,
	 'Places fillings and crowns and treats toothache the same day.'),
	(52, 'Larasati Wulandari', 'general-practice', 'dr.', 8,
	 'Runs the travel vaccination service.'),
	(53, 'Muhammad Iqbal Siregar', 'pulmonology', 'Sp.P', 17,
	 'Treats asthma and COPD and teaches correct inhaler use.'),
	(54, 'Desi Anggraeni', 'cardiology', 'Sp.JP', 11,
	 'Sees women with heart disease, often diagnosed late.'),
	(55, 'Wahyu Kurniawan', 'urology', 'Sp.U', 7,
	 'Treats urinary tract infections that keep coming back.'),
	(56, 'Olivia Tandiono', 'obstetrics-gynecology', 'Sp.OG', 6,
	 'Offers ultrasound check-ups through all three trimesters.'),
	(57, 'Andreas Pangaribuan', 'orthopedics', 'Sp.OT', 8,
	 'Treats sprains and fractures from football and motorcycle accidents.'),
	(58, 'Siska Maharani', 'physical-rehabilitation', 'Sp.KFR', 6,
	 'Helps office workers with neck and back pain.'),
	(59, 'Zulkifli Harahap', 'internal-medicine', 'Sp.PD', 25,
	 'Consultant for kidney disease and dialysis.'),
	(60, 'Hana Safitri', 'pediatrics', 'Sp.A', 7,
	 'Answers parents'' questions about fever, diarrhoea and feeding.');

-- How the name is written in full: "dr. Siti Rahmawati, Sp.A",
-- "drg. Intan Permatasari", "dr. Andi Pratama".
ALTER TABLE demo_doctor ADD COLUMN display_name text;
UPDATE demo_doctor SET display_name = CASE
	WHEN title LIKE 'Sp.%' THEN 'dr. ' || name || ', ' || title
	ELSE title || ' ' || name END;

-- Every doctor has an account, linked to their record below.
INSERT INTO users (name, email, username, password_hash, role)
SELECT dd.display_name,
	regexp_replace(lower(dd.name), '[^a-z0-9]+', '-', 'g')
	    || '@doctors.cexup.example',
	regexp_replace(lower(dd.name), '[^a-z]+', '', 'g'),
	(SELECT hash FROM demo_password), 'doctor'
FROM demo_doctor dd ORDER BY dd.n;

INSERT INTO doctors (slug, name, title, speciality_id, bio, photo_url,
    years_of_practice, user_id)
SELECT regexp_replace(lower(dd.name), '[^a-z0-9]+', '-', 'g'), dd.name,
	dd.title, s.id,
	format('%s has practised %s for %s years. %s', dd.display_name,
	    lower(s.name), dd.years, dd.note),
	'https://cdn.cexup.example/doctors/'
	    || regexp_replace(lower(dd.name), '[^a-z0-9]+', '-', 'g') || '.jpg',
	dd.years, u.id
FROM demo_doctor dd
JOIN specialities s ON s.slug = dd.speciality
JOIN users u ON lower(u.email) = regexp_replace(lower(dd.name), '[^a-z0-9]+',
    '-', 'g') || '@doctors.cexup.example'
ORDER BY dd.n;

-- Where they practise: every doctor at one hospital, every second one at
-- a second, every fifth at a third (rank 1, 2, 3).  Fees by rank and
-- seniority; two doctors in three also consult online.
CREATE TEMPORARY TABLE demo_practice (
	doctor_id bigint, hospital_id bigint, rank int
) ON COMMIT DROP;
INSERT INTO demo_practice
SELECT d.id, h.id, r.rank
FROM doctors d
JOIN demo_doctor dd ON dd.name = d.name
CROSS JOIN LATERAL (VALUES (1, 0), (2, 5), (3, 9)) AS r(rank, shift)
JOIN hospitals h ON h.id = (SELECT id FROM hospitals ORDER BY id
    OFFSET (dd.n * 7 + r.shift) % 12 LIMIT 1)
WHERE r.rank = 1 OR (r.rank = 2 AND dd.n % 2 = 0) OR
    (r.rank = 3 AND dd.n % 5 = 0);

INSERT INTO doctor_has_hospital (doctor_id, hospital_id, consultation_fee,
    offers_online, offers_offline)
SELECT p.doctor_id, p.hospital_id,
	(CASE WHEN s.slug IN ('general-practice', 'dentistry') THEN 100000
	      ELSE 175000 END
	 + 25000 * least(d.years_of_practice / 5, 4)
	 + CASE p.rank WHEN 1 THEN 0 WHEN 2 THEN 25000 ELSE 50000 END),
	d.id % 3 <> 0,
	-- A few consult only online at their third hospital.
	NOT (p.rank = 3 AND d.id % 3 <> 0 AND d.id % 2 = 0)
FROM demo_practice p
JOIN doctors d ON d.id = p.doctor_id
JOIN specialities s ON s.id = d.speciality_id
ORDER BY p.doctor_id, p.rank;

-- Weekly schedules, never two places at once: rank 1 mornings Mon, Wed,
-- Fri (08:00-12:00) and online evenings Mon, Thu; rank 2 afternoons Tue,
-- Thu (13:00-16:00) and online evenings Tue, Fri; rank 3 Saturday morning
-- (09:00-12:00) and online Wednesday evening.  Some doctors also see
-- patients on Sunday morning.  Slots: 20 minutes for general practice and
-- dentistry, 30 otherwise; online slots 20 minutes.
INSERT INTO doctor_schedules (doctor_has_hospital_id, weekday, start_time,
    end_time, slot_minutes, appointment)
SELECT dh.id, w.weekday, w.start_time, w.end_time,
	CASE WHEN w.appointment = 'online' THEN 20
	     WHEN s.slug IN ('general-practice', 'dentistry') THEN 20
	     ELSE 30 END,
	w.appointment
FROM doctor_has_hospital dh
JOIN demo_practice p ON p.doctor_id = dh.doctor_id
    AND p.hospital_id = dh.hospital_id
JOIN doctors d ON d.id = dh.doctor_id
JOIN specialities s ON s.id = d.speciality_id
JOIN (VALUES
	(1, 1, time '08:00', time '12:00', 'offline'),
	(1, 3, '08:00', '12:00', 'offline'),
	(1, 5, '08:00', '12:00', 'offline'),
	(1, 7, '10:00', '12:00', 'offline'),
	(1, 1, '19:00', '21:00', 'online'),
	(1, 4, '19:00', '21:00', 'online'),
	(2, 2, '13:00', '16:00', 'offline'),
	(2, 4, '13:00', '16:00', 'offline'),
	(2, 2, '19:00', '21:00', 'online'),
	(2, 5, '19:00', '21:00', 'online'),
	(3, 6, '09:00', '12:00', 'offline'),
	(3, 3, '19:00', '21:00', 'online')
    ) AS w(rank, weekday, start_time, end_time, appointment)
    ON w.rank = p.rank
WHERE (w.appointment = 'online' AND dh.offers_online OR
       w.appointment = 'offline' AND dh.offers_offline)
  AND (w.weekday <> 7 OR d.id % 4 = 0)
ORDER BY dh.id, w.weekday, w.start_time;

-- Patients who booked the demo appointments.
INSERT INTO users (name, email, username, password_hash, role, city)
SELECT v.name, v.login || '@patients.cexup.example', v.login,
	(SELECT hash FROM demo_password), 'patient', v.city
FROM (VALUES
	('Rani Oktaviani', 'rani', 'Jakarta'),
	('Joko Saputro', 'joko', 'Surabaya'),
	('Lestari Handoko', 'lestari', 'Bandung'),
	('Bagus Permana', 'bagus', 'Denpasar'),
	('Mira Kusnadi', 'mira', 'Medan')
    ) AS v(name, login, city);

-- Bookings for the next 14 days (dates in the server's time zone): at about half of the
-- practices, the first and third slot of each session on every second
-- day, so lists of times show booked slots next to free ones.
INSERT INTO appointments (doctor_has_hospital_id, doctor_id, patient_id,
    appointment, starts_at, ends_at)
SELECT dh.id, dh.doctor_id,
	(SELECT id FROM users WHERE lower(email) = pt.login
	    || '@patients.cexup.example'),
	sc.appointment, slot.starts_at,
	slot.starts_at + make_interval(mins => sc.slot_minutes)
FROM doctor_has_hospital dh
JOIN doctor_schedules sc ON sc.doctor_has_hospital_id = dh.id
CROSS JOIN generate_series(1, 14) AS ahead(days)
CROSS JOIN LATERAL (SELECT (now() AT TIME ZONE :'timezone')::date
    + ahead.days AS day) AS d
CROSS JOIN LATERAL (VALUES (0), (2)) AS k(slot_index)
CROSS JOIN LATERAL (SELECT ((d.day + sc.start_time)
    + make_interval(mins => sc.slot_minutes * k.slot_index))
    AT TIME ZONE :'timezone' AS starts_at) AS slot
CROSS JOIN LATERAL (SELECT (ARRAY['rani', 'joko', 'lestari', 'bagus',
    'mira'])[1 + (dh.id + ahead.days + k.slot_index) % 5] AS login) AS pt
WHERE dh.id % 2 = 1
  AND extract(isodow FROM d.day) = sc.weekday
  AND (dh.id + ahead.days) % 2 = 0
-- A demo patient never holds two overlapping bookings (sql/008_booking.sql):
-- where the rotation would give them one, that booking is left out.
ON CONFLICT DO NOTHING;

-- Articles: n (1 is the newest), slug, title, author, excerpt, body.
-- Three are drafts (status draft, no published_at) and never listed.
CREATE TEMPORARY TABLE demo_article (
	n int, slug text, title text, author text, draft boolean,
	excerpt text, body text
) ON COMMIT DROP;
INSERT INTO demo_article VALUES
(1, 'protect-your-family-from-dengue', 'Protect Your Family from Dengue This Rainy Season',
 'dr. Ketut Mahendra, Sp.PD', false,
 'Dengue cases rise with the rain. Simple habits at home cut the mosquito population and the risk.',
 E'Aedes mosquitoes breed in clean standing water: flower vases, bucket lids, old tyres and the tray under the refrigerator. Drain, cover and clean these once a week.\n\nA dengue fever is typically sudden and high, with headache, pain behind the eyes and aching muscles. The dangerous phase often comes when the fever falls, around day three to five. Drink plenty and see a doctor if there is bleeding from the gums or nose, vomiting, severe abdominal pain or drowsiness.\n\nAvoid ibuprofen and aspirin when dengue is possible; paracetamol is the safer choice for fever.'),
(2, 'fasting-safely-with-diabetes', 'Fasting Safely with Diabetes',
 'dr. Budi Santoso, Sp.PD', false,
 'Many people with diabetes can fast, but it takes planning with your doctor before the month begins.',
 E'Talk to your doctor four to six weeks before fasting. Some medicines need a different dose or timing, and insulin doses usually change.\n\nCheck your blood sugar during the day: it does not break the fast. Stop fasting if the value falls below 70 mg/dL or rises above 300 mg/dL, or if you feel shaky, confused or faint.\n\nAt sahur, choose slowly digested food such as brown rice, eggs and vegetables, and drink enough water between iftar and sahur.'),
(3, 'know-the-signs-of-stroke', 'Know the Signs of Stroke: Act Fast',
 'dr. Hendra Kusuma, Sp.N', false,
 'Every minute counts in a stroke. Learn the warning signs and what to do while waiting for help.',
 E'Look at the face: does one side droop when the person smiles? Ask them to raise both arms: does one drift down? Listen to their speech: is it slurred or strange? If you see any of these, note the time and get to a hospital with a stroke team at once.\n\nDo not give food, drink or medicine while waiting, since swallowing may be affected. Treatment that dissolves a clot works only within a few hours of the first symptom.'),
(4, 'complete-basic-immunisation-for-babies', 'Complete Basic Immunisation for Your Baby',
 'dr. Siti Rahmawati, Sp.A', false,
 'The national schedule protects babies from serious diseases in their first year. Here is what to expect.',
 E'In the first months babies receive hepatitis B, BCG, polio, DPT-HB-Hib, PCV and rotavirus vaccines, and measles-rubella at nine months. Keep the record book and bring it to every visit.\n\nA mild fever or a sore spot after vaccination is common and passes in a day or two. A missed dose does not mean starting again: your doctor will simply continue the schedule.'),
(5, 'preventing-stunting-in-the-first-1000-days', 'Preventing Stunting in the First 1,000 Days',
 'dr. Melati Puspita, Sp.A', false,
 'Growth in the first 1,000 days shapes a child''s health for life. Nutrition and regular weighing matter most.',
 E'The first 1,000 days run from pregnancy to the second birthday. Good nutrition for the mother, exclusive breastfeeding for six months and complementary food rich in animal protein all protect against stunting.\n\nWeigh and measure your child every month at the posyandu or clinic, and ask to see the growth chart. A curve that flattens is an early signal to act.'),
(6, 'high-blood-pressure-the-silent-killer', 'High Blood Pressure: Often Silent, Always Serious',
 'dr. Stefanus Lumban Gaol, Sp.JP', false,
 'Most people with hypertension feel nothing. Measuring is the only way to know.',
 E'Blood pressure above 140/90 mmHg on repeated readings is hypertension. Left untreated it damages the heart, brain, kidneys and eyes.\n\nLess salt, regular exercise, a healthy weight and no smoking all lower blood pressure. If medicine is prescribed, take it every day, even when you feel well.'),
(7, 'healthy-eyes-in-the-screen-era', 'Healthy Eyes in the Screen Era',
 'dr. Grace Wijaya, Sp.M', false,
 'Hours in front of screens tire the eyes. The 20-20-20 rule and good lighting help.',
 E'Every 20 minutes, look at something about 20 feet (six metres) away for 20 seconds. Blink often, keep the screen at arm''s length and slightly below eye level, and avoid a bright window behind it.\n\nChildren need time outdoors every day: daylight helps slow the development of short-sightedness.'),
(8, 'air-pollution-and-your-lungs', 'Air Pollution and Your Lungs',
 'dr. Irfan Syahputra, Sp.P', false,
 'On days with poor air quality, a few precautions protect people with asthma, children and the elderly.',
 E'Check the air quality index before exercising outdoors. On bad days move exercise indoors and keep windows closed during peak traffic hours.\n\nA well-fitting mask rated for fine particles filters far more than a cloth mask. People with asthma should keep their reliever inhaler at hand and follow their action plan.'),
(9, 'handwashing-done-right', 'Handwashing Done Right',
 'Tim Redaksi Cexup', false,
 'Twenty seconds with soap and water stops many infections, from diarrhoea to flu.',
 E'Wet your hands, lather with soap, and rub palms, backs, between the fingers, thumbs and fingertips for at least 20 seconds. Rinse and dry with a clean towel.\n\nWash before preparing food, before eating, after using the toilet and after changing a nappy. Hand sanitiser with at least 60 percent alcohol helps when there is no water, but not on visibly dirty hands.'),
(10, 'when-a-cough-may-be-tuberculosis', 'When a Cough May Be Tuberculosis',
 'dr. Yohanes Simanjuntak, Sp.P', false,
 'A cough that lasts more than two weeks deserves a test. TB is curable when treated completely.',
 E'Typical signs are a cough for more than two weeks, fever, night sweats and weight loss. A sputum test and a chest X-ray confirm the diagnosis.\n\nTreatment lasts at least six months and is free at public health centres. Stopping early breeds resistant bacteria, so take every dose even when you feel better.'),
(11, 'breakfast-that-keeps-you-going', 'A Breakfast That Keeps You Going',
 'dr. Nurul Hidayah, Sp.GK', false,
 'Combine complex carbohydrates, protein and vegetables for steady energy until lunch.',
 E'Fried rice and sweet tea give a quick rise and an early slump. Try red rice or whole-grain bread with an egg, tempeh or tofu, and some vegetables or fruit.\n\nIf mornings are rushed, prepare boiled eggs and cut fruit the night before.'),
(12, 'anaemia-in-teenage-girls', 'Anaemia in Teenage Girls',
 'dr. Hana Safitri, Sp.A', false,
 'Tiredness, pale skin and poor concentration may point to iron deficiency.',
 E'Growth and menstruation raise the need for iron during adolescence. Red meat, liver, fish, eggs and green vegetables are good sources; vitamin C from fruit helps absorption.\n\nWeekly iron tablets, as offered in many schools, prevent anaemia. Tea and coffee with meals reduce absorption, so drink them between meals.'),
(13, 'antenatal-checkups-how-often', 'Antenatal Check-ups: How Often and Why',
 'dr. Dewi Anggraini, Sp.OG', false,
 'At least six visits during pregnancy help catch problems early for mother and baby.',
 E'Visit a midwife or doctor at least six times: twice in the first trimester, once in the second and three times in the third, with an ultrasound examination early and late in pregnancy.\n\nSeek help at once for bleeding, severe headache, blurred vision, swelling of the face or hands, or if the baby moves less than usual.'),
(14, 'breastfeeding-for-working-mothers', 'Breastfeeding for Working Mothers',
 'dr. Olivia Tandiono, Sp.OG', false,
 'Going back to work does not have to end breastfeeding. Planning and a good pump make it possible.',
 E'Start expressing and storing milk two to three weeks before returning to work. Freshly expressed milk keeps for about four hours at room temperature and up to four days in the refrigerator.\n\nAsk your employer about a lactation room; many workplaces are required to provide one.'),
(15, 'skin-care-in-a-humid-climate', 'Skin Care in a Humid Climate',
 'dr. Putu Ayu Saraswati, Sp.DV', false,
 'Heat and humidity favour fungal infections and clogged pores. Keep skin clean, dry and protected.',
 E'Dry skin folds well after bathing, wear loose cotton clothing and change out of sweaty clothes quickly. Itchy, ring-shaped patches are often fungal and need antifungal treatment.\n\nUse a light, non-comedogenic sunscreen every day, even when it is cloudy.'),
(16, 'staying-well-in-the-heat', 'Staying Well in the Heat',
 'dr. Andi Pratama', false,
 'Heat exhaustion can strike outdoor workers and the elderly. Know the signs and cool down early.',
 E'Heavy sweating, dizziness, headache, nausea and cramps are warning signs. Move to the shade, loosen clothing, drink water and cool the skin with damp cloths.\n\nConfusion or fainting with hot, dry skin may be heatstroke: call for emergency help.'),
(17, 'getting-the-most-from-a-video-consultation', 'Getting the Most from a Video Consultation',
 'dr. Fitri Handayani', false,
 'A little preparation makes an online consultation as useful as a visit to the clinic.',
 E'Find a quiet, well-lit place and test your connection before the appointment. Write down your symptoms, when they started and the medicines you take.\n\nHave a thermometer and, if you have one, a blood pressure monitor ready. Your doctor will tell you if an examination in person is needed.'),
(18, 'cold-flu-or-something-else', 'Cold, Flu or Something Else?',
 'dr. Dimas Aditya', false,
 'Colds and flu share symptoms but differ in severity. Antibiotics help neither.',
 E'A cold starts slowly with a runny nose and sore throat. Flu comes on suddenly with high fever, aching muscles and exhaustion.\n\nRest, fluids and paracetamol ease both. See a doctor if you are short of breath, the fever lasts more than three days, or you belong to a high-risk group.'),
(19, 'understanding-your-cholesterol-results', 'Understanding Your Cholesterol Results',
 'dr. Rizky Ramadhan, Sp.JP', false,
 'LDL, HDL and triglycerides each tell a different part of the story.',
 E'LDL is the cholesterol that builds up in artery walls; lower is better. HDL helps remove cholesterol. Triglycerides rise with sugar, alcohol and excess weight.\n\nYour target depends on your overall risk: diabetes, smoking, blood pressure and family history all count. Ask your doctor what your numbers mean for you.'),
(20, 'less-salt-more-flavour', 'Less Salt, More Flavour',
 'dr. Annisa Fitriani, Sp.GK', false,
 'Most salt comes from sauces, crackers and instant noodles rather than the salt shaker.',
 E'Adults should keep salt under one teaspoon a day in total. Soy sauce, fish sauce, shrimp paste and seasoning powders are all high in sodium.\n\nCook with garlic, shallots, lime, lemongrass, galangal and chilli for flavour, and taste before adding salt.'),
(21, 'starting-to-exercise-after-forty', 'Starting to Exercise After Forty',
 'dr. Lina Kurniawati, Sp.KFR', false,
 'It is never too late. Start gently and build up to 150 minutes of activity a week.',
 E'Brisk walking, cycling and swimming are good places to start. Add muscle-strengthening exercise twice a week.\n\nIf you have heart disease, diabetes or joint problems, ask your doctor before starting a new programme.'),
(22, 'dental-care-for-young-children', 'Dental Care for Young Children',
 'drg. Intan Permatasari', false,
 'Milk teeth matter. Start brushing from the first tooth.',
 E'Brush twice a day with a smear of fluoride toothpaste until age three, then a pea-sized amount. Help your child brush until they can tie their own shoelaces.\n\nAvoid putting a baby to bed with a bottle of milk or sweet drink, and plan the first dental visit by the first birthday.'),
(23, 'typhoid-fever-what-to-know', 'Typhoid Fever: What to Know',
 'dr. Teguh Prasetyo, Sp.PD', false,
 'Typhoid spreads through contaminated food and water. Early treatment prevents complications.',
 E'The fever rises step by step over several days, often with headache, abdominal pain and constipation or diarrhoea. A doctor may request a blood culture.\n\nDrink safe water, eat freshly cooked food and wash hands before eating. A vaccine is available for travellers and people at higher risk.'),
(24, 'vaccines-adults-need-too', 'Vaccines Adults Need Too',
 'dr. Larasati Wulandari', false,
 'Protection from childhood vaccines fades. Adults may need boosters and a few new vaccines.',
 E'Influenza vaccine every year, a tetanus-diphtheria booster every ten years and hepatitis B if you were never vaccinated are common recommendations.\n\nPeople over 60 and those with chronic illnesses may also need pneumococcal vaccine. Pilgrims and travellers may need meningococcal or typhoid vaccines.'),
(25, 'quitting-smoking-a-practical-plan', 'Quitting Smoking: A Practical Plan',
 'dr. Muhammad Iqbal Siregar, Sp.P', false,
 'Most smokers need several attempts. A plan and support double your chances.',
 E'Pick a quit date within the next two weeks and tell family and friends. Remove cigarettes and ashtrays from home, car and workplace.\n\nCravings pass within minutes: drink water, take a walk or chew sugar-free gum. Ask your doctor about medicines that ease withdrawal.'),
(26, 'back-pain-at-the-office', 'Back Pain at the Office',
 'dr. Siska Maharani, Sp.KFR', false,
 'Long hours at a desk strain the back and neck. Small changes in posture and routine help.',
 E'Sit with your back supported, feet flat on the floor and the screen at eye level. Stand up and move for a few minutes every half hour.\n\nSee a doctor if back pain spreads down a leg, comes with numbness or weakness, or lasts more than six weeks.'),
(27, 'sleep-and-your-mental-health', 'Sleep and Your Mental Health',
 'dr. Ratna Wulandari, Sp.KJ', false,
 'Poor sleep and low mood feed each other. Regular habits help break the cycle.',
 E'Go to bed and get up at the same time every day, including weekends. Keep the bedroom dark and cool, and put the phone away an hour before sleep.\n\nIf low mood, worry or sleeplessness last more than two weeks and affect daily life, talk to a doctor or psychologist.'),
-- Drafts: not yet reviewed, never shown by the API.
(28, 'managing-gout-at-home', 'Managing Gout at Home',
 'dr. Yuliana Tanjung, Sp.PD', true,
 'Draft: diet and medicines for gout attacks.',
 E'Draft under review.'),
(29, 'choosing-a-health-insurance-plan', 'Choosing a Health Insurance Plan',
 'Tim Redaksi Cexup', true,
 'Draft: what to compare before you sign.',
 E'Draft under review.'),
(30, 'kidney-stones-prevention', 'Preventing Kidney Stones',
 'dr. Fajar Nugroho, Sp.U', true,
 'Draft: water, diet and when to see a urologist.',
 E'Draft under review.');

-- Published over the last eight weeks, the newest first by n; at local
-- mid-morning so that no two share a timestamp.
INSERT INTO articles (slug, title, excerpt, body, thumbnail_url, author,
    status, published_at)
SELECT a.slug, a.title, a.excerpt, a.body,
	'https://cdn.cexup.example/articles/' || a.slug || '.jpg', a.author,
	CASE WHEN a.draft THEN 'draft' ELSE 'published' END,
	CASE WHEN a.draft THEN NULL
	     ELSE ((now() AT TIME ZONE :'timezone')::date - 2 * a.n
		+ time '09:00' + make_interval(mins => a.n))
		AT TIME ZONE :'timezone' END
FROM demo_article a ORDER BY a.n DESC;

COMMIT;
