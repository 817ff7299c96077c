-- A large generated catalog to benchmark the catalog routes against
-- (bench/catalog.pl; see bench/RESULTS.md).  Load it into an empty,
-- migrated database:
--
--   psql -v ON_ERROR_STOP=1 -d cexup -f bench/load_scale_data.sql
--
-- 25 specialities, 20,000 doctors, 2,000 hospitals, 40,000 practices with
-- about 100,000 weekly schedule rows, about one million appointments over
-- a year (half past, half to come) and 50,000 articles (2 % drafts).
-- Everything comes from generate_series, so it takes well under a minute.
-- Names are combinations of a few common Indonesian given names and family
-- names plus a number, so the trigram index sees realistic text.

\set ON_ERROR_STOP 1
BEGIN;

INSERT INTO users (name, email, password_hash, role)
VALUES ('Bench Patient', 'bench-patient@example.com', 'x', 'patient');
-- One patient per doctor for the bookings below: a patient never holds
-- two overlapping appointments (sql/008_booking.sql), and one doctor's
-- bookings never overlap, so each doctor's go to a patient of their own.
INSERT INTO users (name, email, password_hash, role)
SELECT 'Bench Patient ' || g, 'bench-patient-' || g || '@example.com', 'x',
	'patient'
FROM generate_series(1, 20000) AS g;

INSERT INTO specialities (slug, name, description)
SELECT 'speciality-' || g, 'Speciality ' || g,
	'Generated speciality number ' || g || '.'
FROM generate_series(1, 25) AS g;

INSERT INTO hospitals (slug, name, address, city, phone, photo_url)
SELECT 'hospital-' || g,
	'RS ' || (ARRAY['Harapan', 'Medika', 'Sentosa', 'Husada', 'Mulia',
	    'Kasih', 'Bunda', 'Sejahtera', 'Permata', 'Cahaya'])[1 + g % 10]
	    || ' ' || (ARRAY['Sehat', 'Nusantara', 'Raya', 'Utama', 'Indah',
	    'Abadi', 'Prima', 'Jaya'])[1 + (g / 10) % 8] || ' ' || g,
	'Jl. Generated No. ' || g,
	(ARRAY['Jakarta', 'Bandung', 'Surabaya', 'Medan', 'Semarang',
	    'Makassar', 'Palembang', 'Denpasar', 'Yogyakarta', 'Malang',
	    'Bogor', 'Pekanbaru', 'Padang', 'Balikpapan', 'Manado'])[1 + g % 15],
	'+62 21 ' || lpad((g * 7919 % 10000000)::text, 7, '0'),
	'https://cdn.cexup.example/hospitals/hospital-' || g || '.jpg'
FROM generate_series(1, 2000) AS g;

INSERT INTO doctors (slug, name, title, speciality_id, bio, photo_url,
    years_of_practice)
SELECT 'doctor-' || g,
	(ARRAY['Andi', 'Siti', 'Budi', 'Dewi', 'Rizky', 'Putu', 'Made', 'Nurul',
	    'Hendra', 'Fitri', 'Yohanes', 'Maria', 'Agus', 'Ratna', 'Fajar',
	    'Intan', 'Wayan', 'Lina', 'Teguh', 'Melati', 'Arief', 'Sri',
	    'Dimas', 'Kartika', 'Benny', 'Grace', 'Yusuf', 'Annisa', 'Gede',
	    'Novita', 'Irfan', 'Rina', 'Bayu', 'Yuliana', 'Hadi', 'Wulan',
	    'Stefanus', 'Cut', 'Ahmad', 'Ika'])[1 + g % 40] || ' ' ||
	(ARRAY['Pratama', 'Rahmawati', 'Santoso', 'Anggraini', 'Ramadhan',
	    'Saraswati', 'Wirawan', 'Hidayah', 'Kusuma', 'Handayani',
	    'Simanjuntak', 'Situmorang', 'Setiawan', 'Wulandari', 'Nugroho',
	    'Permatasari', 'Sudarsana', 'Kurniawati', 'Prasetyo', 'Puspita',
	    'Wicaksono', 'Wahyuni', 'Aditya', 'Sari', 'Halim', 'Wijaya',
	    'Maulana', 'Fitriani', 'Artawan', 'Hutapea', 'Syahputra',
	    'Marlina', 'Saputra', 'Tanjung', 'Susanto', 'Septiani',
	    'Lumban Gaol', 'Zahara', 'Fauzi', 'Purnamasari', 'Hermawan',
	    'Damayanti', 'Firmansyah', 'Mahendra', 'Lubis', 'Sembiring',
	    'Nasution', 'Siregar', 'Harahap', 'Safitri'])[1 + (g / 40) % 50]
	    || ' ' || g,
	'Sp.' || (1 + g % 25),
	1 + (g * 7919) % 25,
	'Generated doctor number ' || g || ', for benchmarks only.',
	'https://cdn.cexup.example/doctors/doctor-' || g || '.jpg',
	1 + g % 35
FROM generate_series(1, 20000) AS g;

-- Two practices per doctor, at hospitals 997 apart: never the same one.
INSERT INTO doctor_has_hospital (doctor_id, hospital_id, consultation_fee,
    offers_online, offers_offline)
SELECT d.id, 1 + (d.id * 13 + r.shift) % 2000,
	100000 + 25000 * (d.id % 8) + 25000 * r.rank, d.id % 3 <> 0, true
FROM doctors d
CROSS JOIN (VALUES (1, 0), (2, 997)) AS r(rank, shift)
ORDER BY d.id, r.rank;

-- First practice: Mon, Wed, Fri 08:00-12:00 offline by 30 minutes and
-- Monday 19:00-21:00 online by 20 minutes; second: Tue, Thu 13:00-16:00.
INSERT INTO doctor_schedules (doctor_has_hospital_id, weekday, start_time,
    end_time, slot_minutes, appointment)
SELECT dh.id, w.weekday, w.start_time, w.end_time, w.slot, w.appointment
FROM doctor_has_hospital dh
JOIN (VALUES
	(0, 1, time '08:00', time '12:00', 30, 'offline'),
	(0, 3, '08:00', '12:00', 30, 'offline'),
	(0, 5, '08:00', '12:00', 30, 'offline'),
	(0, 1, '19:00', '21:00', 20, 'online'),
	(1, 2, '13:00', '16:00', 30, 'offline'),
	(1, 4, '13:00', '16:00', 30, 'offline')
    ) AS w(parity, weekday, start_time, end_time, slot, appointment)
    ON w.parity = (dh.id + 1) % 2
WHERE w.appointment = 'offline' OR dh.offers_online;

-- A year of bookings: on a third of the session days of each first
-- practice (182 days back to 182 ahead), one of its eight morning slots.
INSERT INTO appointments (doctor_has_hospital_id, doctor_id, patient_id,
    appointment, starts_at, ends_at)
SELECT dh.id, dh.doctor_id, b.first + dh.doctor_id - 1, 'offline',
	s.starts_at, s.starts_at + interval '30 minutes'
FROM doctor_has_hospital dh
-- Ids of one multi-row insert are consecutive: bench-patient-1 onwards.
CROSS JOIN (SELECT id AS first FROM users
    WHERE email = 'bench-patient-1@example.com') AS b
CROSS JOIN generate_series(-182, 182) AS g(days)
CROSS JOIN LATERAL (SELECT (now() AT TIME ZONE 'Asia/Jakarta')::date
    + g.days AS day) AS d
CROSS JOIN LATERAL (SELECT ((d.day + time '08:00')
    + interval '30 minutes' * ((dh.id + g.days) % 8))
    AT TIME ZONE 'Asia/Jakarta' AS starts_at) AS s
WHERE dh.id % 2 = 1
  AND extract(isodow FROM d.day) IN (1, 3, 5)
  AND (dh.id + g.days) % 3 = 0;

INSERT INTO articles (slug, title, excerpt, body, thumbnail_url, author,
    status, published_at)
SELECT 'article-' || g, 'Generated health article ' || g,
	'A short excerpt of generated article ' || g || '.',
	repeat('Generated paragraph of article ' || g || '. ', 20),
	'https://cdn.cexup.example/articles/article-' || g || '.jpg',
	'Tim Redaksi Cexup',
	CASE WHEN g % 50 = 0 THEN 'draft' ELSE 'published' END,
	CASE WHEN g % 50 = 0 THEN NULL
	     ELSE now() - interval '1 hour' * (50000 - g) END
FROM generate_series(1, 50000) AS g;

COMMIT;

-- Fresh statistics and visibility map: index-only scans need the latter.
VACUUM ANALYZE specialities, doctors, doctor_list, doctor_search,
    doctor_search_pieces, hospitals,
    doctor_has_hospital, doctor_schedules, appointments, articles,
    catalog_counts, catalog_page_marks;
