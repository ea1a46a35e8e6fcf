import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import LearnerProfile, User

DEFAULT_PASSWORD = "correct-horse-battery-9"  # noqa: S105 - test and demo data only


class UserFactory(factory.django.DjangoModelFactory):
    email = factory.Sequence(lambda n: f"learner{n}@example.jp")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.update_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )
        if create:
            self.save()


class LearnerProfileFactory(factory.django.DjangoModelFactory):
    user = factory.SubFactory(UserFactory)
    display_name = "山田 太郎"
    prefecture = "13"
    sector = "resident"
    age_band = "30s"
    purpose_agreed_at = factory.LazyFunction(timezone.now)

    class Meta:
        model = LearnerProfile
