-- Generates synthetic bloggers number $1 to $2 for the search benchmark; deterministic (setseed), invented people.
-- Names mix plain ASCII, accented (Zoë, José, Łukasz...) and Cyrillic; handles use dots, underscores
-- and digits like real Instagram handles; bios draw from a small topic vocabulary; 6% are on tiktok.
WITH v AS (
  SELECT ARRAY['Anna','Annabel','Anne','Annika','Ann','Hannah','Zoë','Zoe','José','Jose','Chloé','Renée','Björn','Søren','Łukasz','Ana','Maria','Mária','Marie','Sofia','Sofía','Olivia','Emma','Mia','Lena','Léa','Lukas','Luca','Noah','Liam','Elias','Ben','Paul','Leon','Finn','Jonas','Felix','Max','Emil','Anton','Oskar','Karl','Sara','Sarah','Clara','Klara','Ella','Ida','Nora','Alma','Julia','Laura','Lara','Elena','Helena','Irina','Алёна','Ольга','Наталья','Дмитрий','Иван','Kateryna','Olena','Mykola','Andrii','Taras','Giulia','Giorgio','Matteo','Lorenzo','Francesca','Chiara','Valentina','Pablo','Lucía','Martín','Álvaro','Inés','Nicolás','Camille','Théo','Hugo','Louis','Manon','Inès','Zoé','Noémie','Jérôme','François','Agnieszka','Małgorzata','Krzysztof','Wojciech','Zuzanna','Oliwia','Mateusz','Jakub','Ayşe','Mehmet','Çağla','Yusuf','Elif','Emre','Aiko','Hiro','Yuki','Kenji','Mei','Wei','Li','Jun','Minh','Linh','Arjun','Priya','Rohan','Ananya','Omar','Layla','Amira','Karim','Fatima','Youssef','Kwame','Ama','Kofi','Zara','Nia','Jamal','Aaliyah','Tyrone','Brittany','Ashley','Jessica','Jennifer','Michael','David','James','John','Robert','William','Richard','Thomas','Charles','Daniel','Matthew','Anthony','Mark','Steven','Andrew','Joshua','Kevin','Brian','George','Edward','Ronald','Timothy','Jason','Ryan','Jacob','Gary','Nicholas','Eric','Stephen','Jonathan','Larry','Justin','Scott','Brandon','Frank','Benjamin','Gregory','Samuel','Raymond','Patrick','Alexander','Jack','Dennis','Jerry'] AS first_names,
         ARRAY['Smith','Johnson','Williams','Brown','Jones','Garcia','Miller','Davis','Rodriguez','Martinez','Hernandez','Lopez','Gonzalez','Wilson','Anderson','Thomas','Taylor','Moore','Jackson','Martin','Lee','Perez','Thompson','White','Harris','Sanchez','Clark','Ramirez','Lewis','Robinson','Walker','Young','Allen','King','Wright','Scott','Torres','Nguyen','Hill','Flores','Green','Adams','Nelson','Baker','Hall','Rivera','Campbell','Mitchell','Carter','Roberts','Müller','Schmidt','Schneider','Fischer','Weber','Meyer','Wagner','Becker','Schulz','Hoffmann','Köhler','Groß','Weiß','Jäger','Dubois','Lefèvre','Moreau','Girard','Bonnet','Rousseau','Fontaine','Chevalier','Rossi','Russo','Ferrari','Esposito','Bianchi','Romano','Colombo','Ricci','Marino','Greco','Fernández','González','Rodríguez','López','Martínez','Sánchez','Pérez','Gómez','Díaz','Muñoz','Nowak','Kowalski','Wiśniewski','Wójcik','Kowalczyk','Kamiński','Lewandowski','Zieliński','Szymański','Woźniak','Иванов','Смирнова','Кузнецов','Попова','Соколов','Shevchenko','Kovalenko','Bondarenko','Tkachenko','Kravchenko','Yılmaz','Kaya','Demir','Şahin','Çelik','Yıldız','Öztürk','Aydın','Tanaka','Suzuki','Takahashi','Watanabe','Ito','Yamamoto','Nakamura','Kobayashi','Wang','Zhang','Liu','Chen','Yang','Huang','Zhao','Wu','Zhou','Xu','Sharma','Patel','Singh','Kumar','Gupta','Khan','Ali','Hassan','Ahmed','Ibrahim','Mensah','Osei','Boateng','Okafor','Adeyemi','Nilsen','Hansen','Johansen','Larsen','Andersen','Pedersen','Kristiansen','Jensen','Karlsson','Nilsson','Eriksson','Larsson','Olsson','Persson','Svensson','Gustafsson','Pettersson','Jönsson','Østergaard','Søndergaard','Æbelø','Virtanen','Korhonen','Mäkinen','Nieminen','Mäkelä','Hämäläinen','Laine','Heikkinen','Koskinen','Järvinen','Novák','Svoboda','Dvořák','Černý','Procházka','Kučera','Veselý','Horák','Němec','Pokorný'] AS last_names,
         ARRAY['travel','food','fitness','fashion','beauty','photo','art','music','tech','gaming','yoga','coffee','vegan','books','design','style','makeup','cars','pets','dogs','cats','home','garden','craft','film','dance','surf','ski','run','bike','hike','wine','baking','chef','mom','dad','family','kids','health','diet','crossfit','boxing','tennis','golf','football','soccer','basket','anime','comics','cosplay'] AS topics,
         ARRAY['blogger','creator','vlogger','influencer','photographer','coach','enthusiast','lover','addict','writer','artist','designer','consultant','trainer','ambassador'] AS roles,
         ARRAY['Collabs via DM','Daily stories','Links below','New video every week','Contact by email','Sharing my journey','Tips and reviews','Living my best life'] AS taglines,
         ARRAY['Berlin','Paris','London','New York','São Paulo','Zürich','Kraków','Kyiv','Москва','İstanbul','Tokyo','Seoul','Lagos','Accra','Mumbai','Delhi','Madrid','Barcelona','Roma','Milano','Lisboa','Oslo','Stockholm','Helsinki','Praha','Wien','Montréal','Toronto','Sydney','Dubai'] AS cities
), seed AS (SELECT setseed(0.42 + $1::int / 100000000.0))
INSERT INTO social_profiles (platform, ext_id, username, full_name, bio, followers_count, follows_count, posts_count, last_synced_at, raw_data)
SELECT
  CASE WHEN x.p < 0.94 THEN 'instagram' ELSE 'tiktok' END,
  (17841400000000000 + g)::text,
  CASE x.k
    WHEN 0 THEN lower(sm_unaccent(x.fn)) || '.' || lower(sm_unaccent(x.ln))
    WHEN 1 THEN lower(sm_unaccent(x.fn)) || '_' || lower(sm_unaccent(x.ln)) || (g % 1000)
    WHEN 2 THEN lower(sm_unaccent(x.fn)) || (g % 10000)
    WHEN 3 THEN lower(sm_unaccent(x.fn)) || '.' || left(lower(sm_unaccent(x.ln)), 1) || '_' || (g % 100)
    WHEN 4 THEN lower(sm_unaccent(x.fn)) || '.' || x.role || (g % 100)
    ELSE lower(sm_unaccent(x.ln)) || '_' || x.t1 || '_' || (g % 1000)
  END,
  CASE WHEN x.p2 < 0.05 THEN NULL ELSE x.fn || ' ' || x.ln END,
  CASE WHEN x.p3 < 0.2 THEN NULL
       ELSE initcap(x.t1) || ' ' || x.role || ' from ' || x.city || '. ' || x.tag || ' #' || x.t2 || ' ' || (g % 97) || ' 📸' END,
  floor(exp(x.p4 * 14))::bigint,
  (g::bigint * 7919 % 3000),
  (g::bigint * 104729 % 5000),
  now() - x.p5 * interval '90 days',
  jsonb_build_object('pk', (17841400000000000 + g)::text, 'is_business', x.p < 0.3, 'category', x.t1)
FROM seed, v, generate_series($1::int, $2::int) AS g
CROSS JOIN LATERAL (
  SELECT random() AS p, random() AS p2, random() AS p3, random() AS p4, random() AS p5,
         floor(random() * 6)::int AS k,
         v.first_names[1 + floor(random() * cardinality(v.first_names))::int] AS fn,
         v.last_names[1 + floor(random() * cardinality(v.last_names))::int] AS ln,
         v.topics[1 + floor(random() * cardinality(v.topics))::int] AS t1,
         v.topics[1 + floor(random() * cardinality(v.topics))::int] AS t2,
         v.roles[1 + floor(random() * cardinality(v.roles))::int] AS role,
         v.taglines[1 + floor(random() * cardinality(v.taglines))::int] AS tag,
         v.cities[1 + floor(random() * cardinality(v.cities))::int] AS city,
         g AS gg
) x;
