-- Languages OCR reads a dataset's images and scans in (tesseract codes,
-- comma-separated, e.g. "eng,deu"); empty: English plus the languages of
-- the dataset's countries.
ALTER TABLE datasets ADD COLUMN ocr_langs TEXT NOT NULL DEFAULT '';
