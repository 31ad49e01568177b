import type { Metadata } from "next";

import { Gallery } from "@/components/Gallery";

export const metadata: Metadata = { title: "Gallery" };

export default function GalleryPage() {
  return (
    <main className="wide">
      <h1>Gallery</h1>
      <Gallery />
    </main>
  );
}
