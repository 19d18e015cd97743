-- inefficient-type (issue 13 item 12): standard codes (ISO 3166, ISO 4217, ISO 639) are natural keys
-- to keep, and a fixed-width code is never padded
-- expect: 0
CREATE TABLE iso_3166_1 (code char(2) PRIMARY KEY, name text NOT NULL);
CREATE TABLE iso_3166_2 (code varchar(10) PRIMARY KEY, country char(2) NOT NULL REFERENCES iso_3166_1, name text NOT NULL);
CREATE INDEX ON iso_3166_2 (country);
CREATE TABLE currency (code char(3) PRIMARY KEY, name text NOT NULL, minor_unit smallint NOT NULL);
CREATE TABLE language (iso_code_3 char(3) PRIMARY KEY, name text NOT NULL);
CREATE TABLE language_code (code text PRIMARY KEY, language char(3) NOT NULL REFERENCES language);
CREATE INDEX ON language_code (language);
INSERT INTO iso_3166_1 VALUES ('DE', 'Germany'), ('FR', 'France'), ('US', 'United States');
INSERT INTO iso_3166_2 VALUES ('DE-BE', 'DE', 'Berlin'), ('FR-IDF', 'FR', 'Île-de-France'), ('US-CA', 'US', 'California');
INSERT INTO currency VALUES ('EUR', 'Euro', 2), ('USD', 'US Dollar', 2);
