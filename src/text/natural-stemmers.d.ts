// Types for the deep imports of `natural`'s stemmer modules (the package root
// is never imported: it loads database drivers and reads .env).
declare module 'natural/lib/natural/stemmers/*.js' {
  const stemmer: { stem(token: string): string };
  export default stemmer;
}
