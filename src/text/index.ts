export * from './config.ts';
export * from './stopwords.ts';
export * from './tokenize.ts';
export * from './ngrams.ts';
export * from './preprocess.ts';
export * from './lemmatizer.ts';
export * from './char-ngrams.ts';
