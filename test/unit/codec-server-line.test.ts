import { codecServerLine } from '../../cli/commands/start';

/** What `connector start` prints for the Temporal UI's codec endpoint (issue 15): pasteable, yet never a token of yours. */
describe('the codec server line of `connector start`', () => {
  const codecUrl = 'http://127.0.0.1:8888';

  it('prints the endpoint with the token generated for this run, to paste as it is', () => {
    const line = codecServerLine(codecUrl, `${codecUrl}/0a1b2c`, false);
    expect(line).toMatch(/^Codec server +http:\/\/127\.0\.0\.1:8888 \(/);
    expect(line).toContain('paste http://127.0.0.1:8888/0a1b2c as the codec server endpoint');
  });

  it('names CONNECTOR_CODEC_TOKEN instead of printing a token of yours', () => {
    const line = codecServerLine(codecUrl, `${codecUrl}/my-own-secret`, true);
    expect(line).toContain('paste http://127.0.0.1:8888/<CONNECTOR_CODEC_TOKEN> as the codec server endpoint');
    expect(line).not.toContain('my-own-secret');
  });
});
