/** Where a command writes: JSON for scripts with --json, text for people otherwise. */
export class CommandOutput {
  constructor(
    readonly json: boolean,
    private readonly writeOut: (text: string) => void,
  ) {}

  /** `answer` verbatim as JSON with --json; otherwise the text `human` makes of it. */
  result<Answer>(answer: Answer, human: (answer: Answer) => string): void {
    this.writeOut(this.json ? `${JSON.stringify(answer, null, 2)}\n` : human(answer));
  }
}
