/** One question answered twice: as an encyclopedia would, and as a person would say it aloud. */
export interface DemoExample {
  id: string;
  question: string;
  formal: string;
  conversational: string;
}

/**
 * Hand-written for tonekit (not taken from Wikipedia or the seed paper's data) so the demo ships
 * without a download or a licence question. The formal answers imitate the encyclopedic source text
 * datagen starts from; the conversational ones imitate the rephrasings it keeps. One rephrasing
 * (the Roman Empire) is deliberately only moderately plain, as first rephrasings often are.
 */
export const DEMO_EXAMPLES: readonly DemoExample[] = [
  {
    id: 'photosynthesis',
    question: 'What is photosynthesis?',
    formal:
      'Photosynthesis is the biochemical process by which plants, algae and certain bacteria convert light ' +
      'energy into chemical energy. Using carbon dioxide and water, these organisms synthesize carbohydrates ' +
      'and release oxygen as a byproduct.',
    conversational:
      'Plants make their own food from sunlight. They take in air and water, and the light gives them the ' +
      "power to turn that into sugar. The oxygen they let out is what's left over, and it's the air we breathe.",
  },
  {
    id: 'eiffel-tower',
    question: 'How tall is the Eiffel Tower?',
    formal:
      'The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris, completed in 1889 for ' +
      'the Exposition Universelle. Including its antennas, it is approximately 330 metres tall, and it was ' +
      'the tallest structure in the world until 1930.',
    conversational:
      "It's about 330 meters tall if you count the antennas on top. It was finished in 1889 for a world fair " +
      'in Paris, and it stayed the tallest structure on Earth until 1930.',
  },
  {
    id: 'black-hole',
    question: 'What is a black hole?',
    formal:
      'A black hole is a region of spacetime where gravity is so strong that no particle or radiation, ' +
      'including light, can escape from it. The boundary beyond which escape is impossible is called the ' +
      'event horizon.',
    conversational:
      'A black hole is a spot in space where gravity pulls so hard that nothing can get out, not even light. ' +
      "The edge of it is called the event horizon. Once you cross it, there's no way back.",
  },
  {
    id: 'vaccines',
    question: 'How do vaccines work?',
    formal:
      'Vaccines stimulate the immune system by introducing an antigen, such as a weakened pathogen, an ' +
      'inactivated toxin or messenger RNA encoding a viral protein. The body responds by producing ' +
      'antibodies and memory cells that provide protection against subsequent infection.',
    conversational:
      'A vaccine teaches your immune system what a germ looks like, without making you sick. Your body ' +
      "practices fighting it and remembers how. So if the real germ shows up later, you're ready for it.",
  },
  {
    id: 'roman-empire',
    question: 'Why did the Western Roman Empire fall?',
    formal:
      'Historians attribute the collapse of the Western Roman Empire in 476 to a combination of factors. ' +
      'These include political instability, economic decline, reliance on mercenary armies and sustained ' +
      'pressure from migrating Germanic peoples.',
    conversational:
      "There wasn't just one reason. Its leaders kept fighting each other, money was running short, and it " +
      'relied on hired soldiers from outside the empire. Germanic groups kept pushing in, and by 476 the ' +
      'western half had fallen.',
  },
  {
    id: 'coffee',
    question: 'Where does coffee come from?',
    formal:
      'Coffee is a beverage prepared from the roasted seeds of the berries of shrubs in the genus Coffea, ' +
      'which is native to tropical Africa. Its cultivation spread to the Arabian Peninsula in the fifteenth ' +
      'century and later to plantations throughout the tropics.',
    conversational:
      'Coffee comes from the seeds of red berries that grow on a small tree. People first grew it in Africa, ' +
      "and then in Yemen. The seeds get dried and roasted, and that's the coffee bean you know.",
  },
];
