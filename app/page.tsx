export default function Home() {
  return (
    <main>
      <h1>Spacetime</h1>
      <p className="lede">Type a prompt, get a short video clip, generated on your own machine.</p>
      <p className="note">
        The studio (a create page and a gallery of your clips) is under construction.
      </p>
    </main>
  );
}
