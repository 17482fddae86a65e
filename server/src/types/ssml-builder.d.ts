// ssml-builder ships no types; these cover the calls our wrapper makes.
declare module 'ssml-builder' {
  interface SayAsOptions {
    word: string;
    interpret: string;
    format?: string;
  }
  class Speech {
    say(text: string): this;
    sub(alias: string, word: string): this;
    sayAs(options: SayAsOptions): this;
    phoneme(alphabet: string, ph: string, word: string): this;
    pause(duration: string): this;
    sayWithSSML(ssml: string): this;
    ssml(excludeSpeakTag?: boolean): string;
  }
  export default Speech;
}
