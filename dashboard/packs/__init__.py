"""Board packs: the PDF and PowerPoint renderer, server-side chart images and the
Debian Chromium they are drawn with.

Imports the dashboard's figures and the data layer; never pages, the shell or sign-in."""
