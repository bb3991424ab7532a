// Sign one request with the AWS SDK for JavaScript v3 signer (@smithy/signature-v4).
//
// Reads a JSON request description on standard input and prints the signed headers and query
// parameters as JSON, so that a Python test can send the same request to orgstack's verifier.
// The input has the request: method, hostname, port, path (percent-encoded, as sent), query,
// headers and body (a string). The query maps decoded names to a string or a list of strings.
// It also has the signing inputs: region, service, accessKeyId, secretAccessKey, sessionToken
// (optional) and signingDate (ISO 8601). With expiresIn (seconds), the request is presigned.
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

async function main() {
  const input = await readStdin();
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: input.accessKeyId,
      secretAccessKey: input.secretAccessKey,
      sessionToken: input.sessionToken,
    },
    region: input.region,
    service: input.service,
    sha256: Sha256,
  });
  const request = {
    method: input.method,
    protocol: "http:",
    hostname: input.hostname,
    port: input.port,
    path: input.path,
    query: input.query ?? {},
    headers: input.headers ?? {},
    body: input.body,
  };
  const signingDate = new Date(input.signingDate);

  const signed =
    input.expiresIn === undefined
      ? await signer.sign(request, { signingDate })
      : await signer.presign(request, { signingDate, expiresIn: input.expiresIn });
  process.stdout.write(JSON.stringify({ headers: signed.headers, query: signed.query }));
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
