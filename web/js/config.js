/** The deployment's settings (API addresses, Cognito and Stripe ids), read once from config.json. */

let loading = null;

export function config() {
  loading ??= fetch(new URL('config.json', document.baseURI), { cache: 'no-store' }).then(async (response) => {
    if (!response.ok) throw new Error(`config.json answered ${response.status}`);
    return response.json();
  });
  return loading;
}
