/** One passage of the bundled sample corpus. */
export interface SamplePassage {
  id: string;
  topic: string;
  title: string;
  text: string;
}
